/**
 * One service per data directory (real processes): a second one refuses to start with one line
 * naming the holder's pid; a holder killed with SIGKILL leaves no lock behind; a full disk at
 * start is said plainly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register, startLedger } from '../support/ledger.js';
import { spawnService, waitFor, type ServiceProcess } from '../support/service-process.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

describe('data directory lock', () => {
  let dataDir: string;
  let issuer: TestIssuer;
  const running: ServiceProcess[] = [];
  const env = (): Record<string, string> => ({ POLICY_FILE: join(dataDir, 'policy.json') });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scitt-lock-'));
    issuer = await makeIssuer('https://ci.lock.example');
    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
  });
  after(async () => {
    for (const p of running) await p.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second process on the same DATA_DIR with one line naming the holder pid; after kill -9 of the holder a new process starts', async () => {
    const first = await spawnService(dataDir, env());
    running.push(first);
    await waitFor(first, '/health/ready');
    assert.equal((await register(first.url, await signStatement(issuer, { sub: subjectOf(1) }))).status, 201);

    const second = await spawnService(dataDir, env());
    running.push(second);
    assert.equal(await second.exited(), 1, 'the second process exits with 1');
    const lines = second.stderr().trim().split('\n');
    assert.equal(lines.length, 1, `one line, got: ${second.stderr()}`);
    assert.match(lines[0]!, new RegExp(`^scitt-ledger: couldn't start: the data directory .+ is in use by process ${first.child.pid}\\b`));
    // The refused process touched nothing: the holder still serves and its log is intact.
    assert.equal((await register(first.url, await signStatement(issuer, { sub: subjectOf(2) }))).status, 201);

    assert.equal(await first.kill('SIGKILL'), 'SIGKILL');
    const third = await spawnService(dataDir, env());
    running.push(third);
    await waitFor(third, '/health/ready');
    const res = await register(third.url, await signStatement(issuer, { sub: subjectOf(3) }));
    assert.equal(res.status, 201);
    const details = (await (await fetch(`${third.url}/health/details`)).json()) as { log: { size: number } };
    assert.equal(details.log.size, 3, 'both entries of the killed holder are there, and the new one');
    assert.equal(await third.kill('SIGTERM'), 0);
  });

  it('refuses a second service in the same process, and releases the lock on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-lock-'));
    const a = await startLedger({ dataDir: dir });
    try {
      await assert.rejects(startLedger({ dataDir: dir }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_DATA_DIR_LOCKED');
        assert.match(err.message, new RegExp(`in use by process ${process.pid}\\b`));
        return true;
      });
    } finally {
      await a.close();
    }
    const b = await startLedger({ dataDir: dir });
    await b.destroy();
  });

  it('starting on a full disk says the disk is full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-full-'));
    try {
      // More free space required than any disk has: the same path as a disk with none left.
      const p = await spawnService(dir, { MIN_FREE_DISK_BYTES: String(2 ** 52) });
      assert.equal(await p.exited(), 1);
      assert.match(p.stderr().trim(), /^scitt-ledger: couldn't start: the disk holding the data directory is full: [0-9.]+ MiB free, at least [0-9.]+ MiB needed \(MIN_FREE_DISK_BYTES\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
