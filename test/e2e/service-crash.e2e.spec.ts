/**
 * Acknowledged data is never lost, not even on kill -9: the real service runs as a child process
 * (`node dist/src/main.js`), clients register statements concurrently, and the process is killed
 * with SIGKILL at random moments. After each restart every statement that got a 201 is still
 * registered with the same receipt, the tree is consistent with every checkpoint seen before, and
 * the log keeps growing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coseKeyThumbprint, toHex } from '../../libs/cose/src/index.js';
import { httpAuditSource } from '../../libs/cli/src/audit.source.js';
import { auditLog } from '../../libs/cli/src/audit.verifier.js';
import { LedgerClient } from '../../libs/cli/src/ledger.client.js';
import { decodeReceipt, entryIdOf, toEntry, verifyReceipt } from '../../libs/receipt/src/index.js';
import { freePort } from '../support/ports.js';
import { register, serviceKeys } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

const root = new URL('../../..', import.meta.url).pathname;
const KILLS = 10;

async function startService(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, POLICY_FILE: join(dataDir, 'policy.json'), LOG_LEVEL: 'error', LOG_ID: 'crash', SERVICE_ISSUER: 'https://ledger.test', RATE_LIMIT_PER_MINUTE: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // A loaded 2-core machine may take long to start Node and Nest: a deadline, not a count of tries.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL'); // never leave a server behind: the test process would wait for it
  throw new Error('the service did not start within 60 s');
}

describe('service crash (SIGKILL) loses no acknowledged registration', () => {
  let dataDir: string;
  let issuer: TestIssuer;
  let child: ChildProcess | undefined;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scitt-crash-'));
    issuer = await makeIssuer('https://ci.crash.example');
    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
  });
  after(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every 201 across ${KILLS} kills`, async () => {
    const acked = new Map<string, { statement: Uint8Array; receipt: Uint8Array }>();
    let n = 0;
    for (let round = 0; round < KILLS; round++) {
      const port = await freePort();
      child = await startService(dataDir, port);
      const url = `http://127.0.0.1:${port}`;
      // Every acknowledged entry of earlier rounds is still there, with the same receipt.
      for (const [id, a] of acked) {
        const res = await fetch(`${url}/entries/${id}`);
        assert.equal(res.status, 200, `entry ${id} acknowledged before a kill is missing`);
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), a.receipt);
      }
      // Fire registrations from 16 concurrent clients and kill the service at a random moment.
      let stop = false;
      const clients = Array.from({ length: 16 }, async () => {
        while (!stop) {
          const statement = await signStatement(issuer, { sub: subjectOf(n++) });
          try {
            const res = await register(url, statement);
            if (res.status === 201) {
              const receipt = new Uint8Array(await res.arrayBuffer());
              acked.set(entryIdOf(toEntry(statement).entry), { statement, receipt });
            } else await res.arrayBuffer();
          } catch {
            // connection reset by the kill: not acknowledged, so nothing is promised
          }
        }
      });
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 500));
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      stop = true;
      await Promise.all(clients);
    }
    // A last start: the log verifies at start-up (root vs last checkpoint), every receipt verifies
    // with the service key, and the log keeps growing.
    const port = await freePort();
    child = await startService(dataDir, port);
    const url = `http://127.0.0.1:${port}`;
    const keys = await serviceKeys(url);
    assert.ok(acked.size > 50, `expected a good number of acknowledged registrations, got ${acked.size}`);
    const indices = new Set<number>();
    for (const [id, a] of acked) {
      const res = await fetch(`${url}/entries/${id}`);
      assert.equal(res.status, 200);
      const v = await verifyReceipt(new Uint8Array(await res.arrayBuffer()), a.statement, keys);
      indices.add(v.leafIndex);
      assert.equal(decodeReceipt(a.receipt).inclusion![0]!.leafIndex, v.leafIndex);
    }
    assert.equal(indices.size, acked.size, 'distinct indices');
    const res = await register(url, await signStatement(issuer, { sub: subjectOf(n++) }));
    assert.equal(res.status, 201);
    // The auditor's replay of the whole log agrees: every entry, checkpoint signature and consistency proof.
    const byKid = new Map(keys.map((k) => [toHex(coseKeyThumbprint(k)), k]));
    const audit = await auditLog(httpAuditSource(new LedgerClient(url)), { keyFor: (kid) => byKid.get(kid), proofs: 'latest' });
    assert.deepEqual(audit.problems, []);
    assert.ok(audit.entriesChecked >= acked.size, `the audit replayed ${audit.entriesChecked} entries, ${acked.size} were acknowledged`);
    // graceful shutdown: SIGTERM drains and exits 0
    child.kill('SIGTERM');
    const code = await new Promise((r) => child!.once('exit', (c) => r(c)));
    assert.equal(code, 0);
    child = undefined;
  });
});
