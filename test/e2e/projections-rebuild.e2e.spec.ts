/**
 * Projections are rebuildable at any time from the events: `npm run projections:rebuild`'s entry
 * point (run as a real child process) refuses while the service holds the file, rebuilds once it
 * stopped, and the service answers the same claims, statuses and stats afterwards; deleting the
 * projections file altogether also gives the same answers after a restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { claimsProjection } from '../../src/projections/claims.projection.js';
import { register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const MAIN = fileURLToPath(new URL('../../src/projections/projections-rebuild.main.js', import.meta.url));

function rebuild(dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN], { env: { ...process.env, DATA_DIR: dataDir, LOG_ID: 'test-log' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function snapshot(ledger: TestLedger, ids: string[]): Promise<unknown> {
  for (let i = 0; i < 400; i++) {
    const s = (await (await fetch(`${ledger.url}/log/stats`)).json()) as { treeSize: number };
    if (s.treeSize === ledger.sequencer.size) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const get = async (p: string): Promise<unknown> => {
    const res = await fetch(ledger.url + p);
    assert.equal(res.status, 200, p);
    const body = (await res.json()) as Record<string, unknown>;
    delete body.publication; // the publisher's state moves on independently of the projections
    return body;
  };
  return {
    claims: await get('/claims?limit=1000'),
    stats: await get('/log/stats'),
    statuses: await Promise.all(ids.map((id) => get(`/entries/${id}/status`))),
  };
}

describe('projections rebuild', () => {
  let ledger: TestLedger;
  const ids: string[] = [];

  before(async () => {
    ledger = await startLedger({ env: { RATE_LIMIT_PER_MINUTE: '0', OCI_PUBLISHER: 'off' } });
    const i = await makeIssuer('https://ci.rebuild.example');
    for (let n = 0; n < 6; n++) {
      const s = await signStatement(i, { sub: subjectOf(n % 3), x5chain: i.certificate, payload: `{"n":${n}}` });
      assert.equal((await register(ledger.url, s)).status, 201);
      ids.push(entryIdOf(toEntry(s).entry));
    }
    const revocation = await signStatement(i, {
      sub: subjectOf(0),
      x5chain: i.certificate,
      contentType: 'application/vnd.scitt-ledger.revocation+json',
      payload: JSON.stringify({ revokes: [ids[1]], reason: 'rebuilt later' }),
    });
    assert.equal((await register(ledger.url, revocation)).status, 201);
    ids.push(entryIdOf(toEntry(revocation).entry));
  });
  after(async () => ledger?.destroy());

  it('refuses while the service runs, rebuilds when stopped, and the answers stay the same', async () => {
    const before = await snapshot(ledger, ids);
    const refused = await rebuild(ledger.dataDir);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /stop it first/);
    await ledger.close();
    const done = await rebuild(ledger.dataDir);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`rebuilt projection claims v${claimsProjection.version}: \\d+ events in \\d+ ms`));
    ledger = await startLedger({ dataDir: ledger.dataDir, env: { RATE_LIMIT_PER_MINUTE: '0', OCI_PUBLISHER: 'off' } });
    assert.deepEqual(await snapshot(ledger, ids), before);
    const s = (await snapshot(ledger, ids)) as { statuses: { revoked: boolean }[] };
    assert.equal(s.statuses[1]!.revoked, true);
  });

  it('a deleted projections file is rebuilt at start', async () => {
    const before = await snapshot(ledger, ids);
    await ledger.close();
    for (const f of ['projections.sqlite', 'projections.sqlite-wal', 'projections.sqlite-shm']) rmSync(join(ledger.dataDir, f), { force: true });
    ledger = await startLedger({ dataDir: ledger.dataDir, env: { RATE_LIMIT_PER_MINUTE: '0', OCI_PUBLISHER: 'off' } });
    assert.deepEqual(await snapshot(ledger, ids), before);
  });
});
