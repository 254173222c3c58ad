/**
 * `scitt audit` against the real ledger's auditor API: clean audits (empty log, full, resumed
 * from the remembered checkpoint), and the three things an auditor exists to catch — a tampered
 * entry (edited in the service's store while it was stopped), a forged checkpoint (served by a
 * doctoring proxy in front of the real service), and a fork (a second service with the same key
 * and log id signing a different history).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cliSandbox, runScitt, show } from '../../libs/cli/test/cli.runner.js';
import { register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

async function registerN(url: string, issuer: TestIssuer, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const s = await signStatement(issuer, { sub: subjectOf(i + 1), payload: `{"${tag}":${i}}`, x5chain: issuer.certificate });
    const res = await register(url, s);
    assert.equal(res.status, 201, await res.clone().text());
    await res.arrayBuffer();
  }
}

/** A proxy in front of `target` that lets `doctor` rewrite JSON answers. */
async function doctoringProxy(target: string, doctor: (path: string, body: any) => any): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const upstream = await fetch(target + req.url, { headers: { accept: req.headers.accept ?? '*/*' } });
    const bytes = Buffer.from(await upstream.arrayBuffer());
    const ct = upstream.headers.get('content-type') ?? '';
    if (ct.includes('json')) {
      const body = doctor(new URL(req.url!, 'http://x').pathname, JSON.parse(bytes.toString('utf8')));
      res.writeHead(upstream.status, { 'content-type': ct }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(upstream.status, { 'content-type': ct }).end(bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server };
}

const flipB64 = (s: string, at = 5): string => {
  const b = Buffer.from(s, 'base64url');
  b[at % b.length]! ^= 0x01;
  return b.toString('base64url');
};

describe('scitt audit against the real ledger', () => {
  let ledger: TestLedger;
  let issuer: TestIssuer;
  const box = cliSandbox('scitt-audit-');
  const audit = (...a: string[]) => runScitt(['audit', ...a], { env: box.env, cwd: box.dir });
  const state = (n: string) => join(box.dir, `${n}.json`);
  const servers: Server[] = [];
  const others: TestLedger[] = [];

  before(async () => {
    issuer = await makeIssuer('https://ci.vendor.example');
    ledger = await startLedger();
  });
  after(async () => {
    for (const s of servers) s.close();
    for (const o of others) await o.destroy();
    await ledger?.destroy();
  });

  it('an empty log audits clean; 3 entries audit clean and are remembered; 2 more resume from there', async () => {
    const empty = await audit(ledger.url, '--state', state('empty'), '-o', 'json');
    assert.equal(empty.code, 0, show(empty));
    assert.equal(JSON.parse(empty.stdout).treeSize, 0);
    await registerN(ledger.url, issuer, 3, 'a');
    const first = await audit(ledger.url, '--state', state('main'), '-o', 'json');
    assert.equal(first.code, 0, show(first));
    const d1 = JSON.parse(first.stdout);
    assert.deepEqual([d1.from, d1.treeSize, d1.entriesChecked, d1.checkpointsChecked, d1.proofsChecked], [0, 3, 3, 3, 2]);
    assert.equal(d1.logId, 'test-log');
    await registerN(ledger.url, issuer, 2, 'b');
    const second = await audit(ledger.url, '--state', state('main'), '-o', 'json');
    assert.equal(second.code, 0, show(second));
    const d2 = JSON.parse(second.stdout);
    assert.deepEqual([d2.from, d2.treeSize, d2.entriesChecked, d2.previous.treeSize], [3, 5, 2, 3]);
    const full = await audit(ledger.url, '--state', state('main'), '--full');
    assert.equal(full.code, 0, show(full));
    assert.match(full.stdout, /ok +ledger .* tree size 5/);
    const dflt = await audit(ledger.url);
    assert.equal(dflt.code, 0, show(dflt));
    assert.match(dflt.stdout, /remembered in .*\.config\/scitt\/audit\/127\.0\.0\.1_\d+\.json/);
  });

  it('detects a forged checkpoint (bad signature, or a root the signature does not cover)', async () => {
    for (const [name, forge] of [
      ['signature', (cp: any) => ({ ...cp, signature: flipB64(cp.signature) })],
      ['root', (cp: any) => ({ ...cp, root: cp.root.replace(/^./, (c: string) => (c === '0' ? '1' : '0')) })],
    ] as const) {
      const proxy = await doctoringProxy(ledger.url, (path, body) => {
        if (path === '/checkpoints') return { ...body, items: body.items.map((cp: any) => (cp.treeSize === 4 ? forge(cp) : cp)) };
        return body;
      });
      servers.push(proxy.server);
      const r = await audit(proxy.url, '--state', state(`forged-${name}`));
      assert.equal(r.code, 1, `${name}\n${show(r)}`);
      assert.match(r.stdout, /FORGED: checkpoint at size 4: the signature does not verify/, name);
      assert.match(r.stderr, /^scitt: audit of .* FAILED: /m);
    }
  });

  it('detects a fork: another history signed with the same key and log id, inconsistent with the remembered checkpoint', async () => {
    for (const [n, want] of [
      [7, /FORK: the checkpoint at size 5 now has root|FORK: the log's first 5 entries now give root|FORK: the ledger's consistency proof/],
      [2, /ROLLBACK\/FORK: the latest checkpoint has tree size 2, smaller than the 5/],
    ] as const) {
      const twin = await startLedger({ env: { SERVICE_KEY_FILE: join(ledger.dataDir, 'service-key.json') } });
      others.push(twin);
      await registerN(twin.url, issuer, n, `fork${n}`);
      const honest = await audit(ledger.url, '--state', state(`fork${n}`));
      assert.equal(honest.code, 0, show(honest));
      const r = await audit(twin.url, '--state', state(`fork${n}`), '-o', 'json');
      assert.equal(r.code, 1, show(r));
      const doc = JSON.parse(r.stdout);
      assert.ok(doc.problems.some((p: string) => want.test(p)), doc.problems.join('\n'));
      assert.equal(doc.stateFile, null, 'a failed audit does not move the remembered checkpoint');
      // the twin's own history is internally valid: a fresh audit of it passes (so the fork is only visible with memory)
      assert.equal((await audit(twin.url, '--state', state(`fresh${n}`))).code, 0);
    }
  });

  it('detects an entry tampered in the service\'s store while it was stopped', async () => {
    const dataDir = ledger.dataDir;
    await ledger.close();
    const db = new Database(join(dataDir, 'log-index.sqlite'));
    const row = db.prepare('SELECT entry FROM entries WHERE idx = 1').get() as { entry: Buffer };
    const tampered = Buffer.from(row.entry);
    tampered[tampered.length - 10]! ^= 0x01; // inside the issuer's signature
    db.prepare('UPDATE entries SET entry = ? WHERE idx = 1').run(tampered);
    db.close();
    ledger = await startLedger({ dataDir });
    const r = await audit(ledger.url, '--state', state('tampered'));
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout, /entry 1: its bytes hash to [0-9a-f]{64}, not its entry id/);
    assert.match(r.stdout, /checkpoint at size \d+ has root [0-9a-f]+, but the entries give/);
    const remembered = await audit(ledger.url, '--state', state('main'), '--full');
    assert.equal(remembered.code, 1, 'also against the remembered state');
  });
});
