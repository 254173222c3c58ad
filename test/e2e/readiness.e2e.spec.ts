/**
 * Readiness tells a load balancer the truth (real process, real full disk): the service runs on a
 * small tmpfs; the disk is filled until appends fail; registrations get a retryable 503,
 * /health/ready turns 503 while /health/live stays 200; the disk is freed, and without a restart
 * readiness comes back and registrations succeed again — every 201 given before is still there;
 * a start on the full disk is refused with a message that says so.
 * Plus the health endpoints' contract: no unknown parameters, no file system paths.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { needExternal } from '../support/external.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { spawnService, waitFor, type ServiceProcess } from '../support/service-process.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

/** Mount a tmpfs of `mib` MiB (needs root or CAP_SYS_ADMIN); undefined when not permitted. */
function mountTmpfs(mib: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmdirSync(dir);
    return undefined;
  }
}

/** Write zeros until the disk refuses (ENOSPC). */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(256 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

const probeMount = mountTmpfs(1);
if (probeMount) {
  execFileSync('umount', [probeMount]);
  rmdirSync(probeMount);
}
const skip = needExternal('a tmpfs mount', probeMount !== undefined, 'run the test as root (mount -t tmpfs) to give the service a disk that fills up');

describe('readiness follows the ability to append (a real full disk)', { skip }, () => {
  let mnt: string;
  let issuer: TestIssuer;
  let service: ServiceProcess | undefined;

  before(async () => {
    mnt = mountTmpfs(40)!;
    issuer = await makeIssuer('https://ci.ready.example');
    writeFileSync(join(mnt, 'policy.json'), JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
  });
  after(async () => {
    await service?.kill();
    execFileSync('umount', [mnt]);
    rmdirSync(mnt);
  });

  it('turns not-ready when appends fail on a full disk, and ready again by itself when space comes back', async () => {
    service = await spawnService(mnt, {
      POLICY_FILE: join(mnt, 'policy.json'),
      MIN_FREE_DISK_BYTES: String(1024 * 1024),
      SEQUENCER_RETRY_MAX_MS: '500',
      OCI_PUBLISHER: 'off',
      MAX_BODY_BYTES: String(1024 * 1024),
    });
    await waitFor(service, '/health/ready');
    const acked = new Map<string, Uint8Array>();
    let n = 0;
    const attempt = async (payloadBytes: number): Promise<Response> => {
      const statement = await signStatement(issuer, { sub: subjectOf(n++), payload: 'x'.repeat(payloadBytes) });
      const res = await register(service!.url, statement);
      if (res.status === 201) acked.set(entryIdOf(toEntry(statement).entry), new Uint8Array(await res.clone().arrayBuffer()));
      return res;
    };
    for (let i = 0; i < 5; i++) assert.equal((await attempt(100)).status, 201);

    fill(join(mnt, 'filler'));
    let refused: Response | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await attempt(200 * 1024); // WAL growth: SQLite needs new pages the disk no longer has
      if (res.status === 503) refused = res;
      else await res.arrayBuffer();
    }
    assert.ok(refused, 'a registration was refused once the disk was full');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const problem = await problemOf(refused);
    assert.match(problem.code, /^ERR_SEQUENCER_(APPEND|RELOAD)_FAILED$/);
    const ready = await fetch(`${service.url}/health/ready`);
    assert.equal(ready.status, 503);
    assert.ok(Number(ready.headers.get('retry-after')) >= 1);
    const notReady = await problemOf(ready);
    assert.equal(notReady.code, 'ERR_NOT_READY');
    assert.match(notReady.detail, /^not ready: the sequencer is recovering from ERR_SEQUENCER_(APPEND|RELOAD)_FAILED \(attempt \d+ since /);
    const details = (await (await fetch(`${service.url}/health/details`)).json()) as { status: string; log: { sequencer: { state: string; failure?: { message: string } } } };
    assert.equal(details.status, 'not-ready');
    assert.equal(details.log.sequencer.state, 'recovering');
    assert.ok(details.log.sequencer.failure!.message.length > 0);
    assert.equal(notReady.contentType, 'application/concise-problem-details+cbor');
    assert.ok(!notReady.detail.includes(mnt), `no path in ${notReady.detail}`);
    assert.equal((await fetch(`${service.url}/health/live`)).status, 200, 'alive all the same: a restart would not help');
    // Still not ready while the disk stays full (the recovery probes it).
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await fetch(`${service.url}/health/ready`)).status, 503);

    rmSync(join(mnt, 'filler'));
    await waitFor(service, '/health/ready', 200, 60_000);
    assert.equal((await attempt(100)).status, 201);
    for (const [id, receipt] of acked) {
      const res = await fetch(`${service.url}/entries/${id}`);
      assert.equal(res.status, 200, `acknowledged entry ${id}`);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), receipt);
    }
    assert.equal(await service.kill('SIGTERM'), 0);
    service = undefined;

    // Starting on the full disk: refused, and the message says the disk is full.
    fill(join(mnt, 'filler'));
    const refusedStart = await spawnService(mnt, { POLICY_FILE: join(mnt, 'policy.json'), MIN_FREE_DISK_BYTES: String(1024 * 1024) });
    assert.equal(await refusedStart.exited(), 1);
    assert.match(refusedStart.stderr().trim(), /^scitt-ledger: couldn't start: the disk holding the data directory is full: 0\.0 MiB free/);
    rmSync(join(mnt, 'filler'));
  });
});

describe('health endpoints', () => {
  let ledger: TestLedger;
  before(async () => {
    ledger = await startLedger();
  });
  after(async () => {
    await ledger.destroy();
  });

  it('/health/live and /health/ready answer 200 with JSON while the sequencer runs', async () => {
    assert.equal((await fetch(`${ledger.url}/health/live`)).status, 200);
    const res = await fetch(`${ledger.url}/health/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready', sequencer: { state: 'running', ready: true } });
  });

  it('unknown query parameters on /health/details (and the other health endpoints) → 400 problem details', async () => {
    for (const path of ['/health/details?verbose=1', '/health/ready?x=1', '/health/live?x=1']) {
      const res = await fetch(`${ledger.url}${path}`);
      assert.equal(res.status, 400, path);
      const p = await problemOf(res);
      assert.equal(p.code, 'ERR_QUERY_PARAMETER');
      assert.equal(p.contentType, 'application/concise-problem-details+cbor');
    }
  });

  it('/health/details does not reveal the absolute data directory path', async () => {
    const body = await (await fetch(`${ledger.url}/health/details`)).text();
    assert.ok(!body.includes(ledger.dataDir), body);
    const details = JSON.parse(body) as { status: string; processors: { name: string; layoutDir?: string }[] };
    assert.equal(details.status, 'ok');
    const publisher = details.processors.find((p) => p.layoutDir !== undefined);
    if (publisher) assert.equal(publisher.layoutDir, 'DATA_DIR/oci-layout');
  });
});
