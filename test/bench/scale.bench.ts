/**
 * `npm run bench:scale` — the service with a large log (default 10⁶ entries): restart time, memory,
 * and the read paths' throughput.
 *
 * 1. Starts the service once on an empty data directory (it writes its key and log id), stops it.
 * 2. Fills the event store directly (no HTTP, no signing): SCALE_ENTRIES `EntryRegistered` events in
 *    batches of 1,000, each batch sealed by a `CheckpointSigned` whose root is the real RFC 9162
 *    root (the service recomputes and checks every root at start-up). The entries are well-formed
 *    COSE_Sign1 statements with fake signatures and fake checkpoint signatures: nothing on these
 *    paths verifies them (receipts built here do not verify — the throughput is the point). Their
 *    subjects are not OCI references, so the publisher has no work.
 * 3. Starts the service: it replays the stream into the log index (timed: "cold start"), and its
 *    processors build the projections; the bench waits until they have caught up, then stops it.
 * 4. Restarts it and times the spawn → first `201` of a real registration ("restart"), and reads
 *    its RSS (/proc) right after.
 * 5. GET /proofs/inclusion?index=… and GET /entries/{id} (the receipt) for random entries with
 *    autocannon, BENCH_SECONDS each: requests/s, p50/p99, and service CPU per request.
 *
 * Options (env): SCALE_ENTRIES (default 1000000), BENCH_SECONDS (default 5), BENCH_CONNECTIONS
 * (default 32), BENCH_SERVICE (the service's main.js, default this tree's build), BENCH_DIR (where
 * the data directory goes; default the OS temp directory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { openSqliteEventStore } from '../../libs/event-store/src/index.js';
import { encodeEventData, logStream, type LedgerEvent } from '../../libs/ledger/src/index.js';
import { CompactRange, hashLeaf } from '../../libs/merkle/src/index.js';
import { makeIssuer, signStatement } from '../support/statements.js';
import { freePort } from '../support/ports.js';

const ENTRIES = Number(process.env.SCALE_ENTRIES ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BATCH = 1000;
const LOG_ID = 'bench';
const root = new URL('../../..', import.meta.url).pathname;
const SERVICE = process.env.BENCH_SERVICE ?? join(root, 'dist/src/main.js');

const cpuTicks = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** `phases`: the service logs at info level, and its start-up messages are printed with the seconds since the spawn. */
function spawnService(dataDir: string, port: number, policyFile: string, phases = false): ChildProcess {
  const t0 = performance.now();
  const child = spawn(process.execPath, [SERVICE], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, POLICY_FILE: policyFile, LOG_LEVEL: phases ? 'info' : 'warn', RATE_LIMIT_PER_MINUTE: '0', LOG_ID },
    stdio: ['ignore', phases ? 'pipe' : 'inherit', 'inherit'],
  });
  if (phases) {
    let rest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
        if (msg && !/request completed|incoming request/.test(msg)) console.log(`    +${((performance.now() - t0) / 1000).toFixed(2)} s  ${msg.slice(0, 140)}`);
      }
    });
  }
  return child;
}

async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Appends the synthetic log after what the first start wrote (key, policy events). */
async function fill(dataDir: string): Promise<void> {
  const store = await openSqliteEventStore({ path: join(dataDir, 'events.sqlite'), worker: false });
  const stream = logStream(LOG_ID);
  let revision = -1;
  for await (const ev of store.readStream(stream)) revision = ev.revision;
  const range = new CompactRange();
  const protectedBytes = encodeCbor(new Map<number, unknown>([[1, -7], [3, 'application/json']]));
  const cpHeader = encodeCbor(new Map<number, unknown>([[1, -7]]));
  const start = Date.parse('2026-01-01T00:00:00Z');
  let batch: LedgerEvent[] = [];
  for (let index = 0; index < ENTRIES; index++) {
    const payload = new TextEncoder().encode(JSON.stringify({ build: index, pad: 'x'.repeat(200) }));
    const signature = createHash('sha512').update(`sig-${index}`).digest();
    const entry = encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature }, { tagged: true });
    const leafHash = hashLeaf(entry);
    range.append(leafHash);
    const entryId = createHash('sha256').update(entry).digest('hex');
    const registeredAt = new Date(start + index).toISOString();
    batch.push({ type: 'EntryRegistered', index, entryId, leafHash, entry, iss: 'https://ci.scale.example', sub: `pkg:generic/scale@${index}`, contentType: 'application/json', kid: 'scale', registeredAt });
    if (batch.length === BATCH || index === ENTRIES - 1) {
      batch.push({ type: 'CheckpointSigned', treeSize: index + 1, root: range.root(), protectedHeader: cpHeader, signature: new Uint8Array(64), signedAt: registeredAt });
      const r = await store.append(stream, batch.map((e) => ({ type: e.type, data: encodeEventData(e), contentType: 'application/json' })), revision < 0 ? 'no_stream' : revision);
      revision = r.nextExpectedRevision;
      batch = [];
    }
  }
  await store.close();
}

async function get(url: string, paths: () => string): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: CONNECTIONS, duration: SECONDS, requests: [{ setupRequest: (req) => ({ ...req, method: 'GET', path: paths() }) }] },
      (err, r) => (err ? reject(err) : resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx })),
    );
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'scitt-scale-'));
  const issuer = await makeIssuer('https://ci.bench.example', 'ES256');
  const policyFile = join(dataDir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const health = async (): Promise<boolean> => (await fetch(`${url}/health/ready`)).ok;
  let child = spawnService(dataDir, port, policyFile);
  try {
    await until('the first start', 60_000, health);
    await stop(child);

    let t0 = performance.now();
    await fill(dataDir);
    console.log(`filled the event store with ${ENTRIES} entries (batches of ${BATCH}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    t0 = performance.now();
    child = spawnService(dataDir, port, policyFile);
    await until('the cold start', 3_600_000, health);
    const cold = (performance.now() - t0) / 1000;
    await until('the processors to catch up', 3_600_000, async () => {
      const d = (await (await fetch(`${url}/health/details`)).json()) as { processors: { lag?: number }[] };
      return d.processors.every((p) => (p.lag ?? 0) === 0);
    });
    console.log(`cold start (log index rebuilt from the stream): ready after ${cold.toFixed(1)} s; processors caught up after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await stop(child);

    const statement = Buffer.from(await signStatement(issuer, { sub: 'pkg:generic/after-restart@1', payload: '{"restart":1}' }));
    t0 = performance.now();
    console.log('restart (service log messages, seconds since the spawn):');
    child = spawnService(dataDir, port, policyFile, true);
    await until('the first registration after the restart', 600_000, async () => {
      const res = await fetch(`${url}/entries`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: statement });
      await res.arrayBuffer();
      return res.status === 201;
    });
    const restart = (performance.now() - t0) / 1000;
    const rss = rssMb(child.pid!);
    console.log(`restart at ${ENTRIES} entries: first 201 after ${restart.toFixed(2)} s (target < 5 s); RSS ${rss.toFixed(0)} MB (target < 300 MB)`);

    // entry ids of random indices, for GET /entries/{id}
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const index = Math.floor(Math.random() * ENTRIES);
      const res = await fetch(`${url}/proofs/inclusion?index=${index}`);
      ids.push(((await res.json()) as { entryId: string }).entryId);
    }
    const rows: [string, () => string][] = [
      ['GET /proofs/inclusion?index=<random> (JSON)', () => `/proofs/inclusion?index=${Math.floor(Math.random() * ENTRIES)}`],
      ['GET /entries/{random id} (COSE receipt)', () => `/entries/${ids[Math.floor(Math.random() * ids.length)]}`],
    ];
    console.log(`\n| request (${CONNECTIONS} connections, ${SECONDS} s, ${ENTRIES} entries) | req/s | p50 / p99 (ms) | service CPU per request (µs) | non-2xx |`);
    console.log('|---|---:|---:|---:|---:|');
    for (const [name, path] of rows) {
      const c0 = cpuTicks(child.pid!);
      const r = await get(url, path);
      const cpu = ((cpuTicks(child.pid!) - c0) * 10_000) / (r.rps * SECONDS);
      console.log(`| ${name} | ${Math.round(r.rps)} | ${r.p50} / ${r.p99} | ${Math.round(cpu)} | ${r.non2xx} |`);
    }
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
