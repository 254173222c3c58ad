/**
 * Parts of `npm run bench:scale` (scale.bench.ts): the direct fill of the event store, the
 * service as a child process, and the HTTP load client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { openSqliteEventStore } from '../../libs/event-store/src/index.js';
import { logStream, toStoredEvent, type LedgerEvent } from '../../libs/ledger/src/index.js';
import { CompactRange, hashLeaf } from '../../libs/merkle/src/index.js';
import { statCpuSeconds } from '../../src/metrics/thread-cpu.js';
import { benchNodeArgs } from './register.load.js';

export const LOG_ID = 'bench';
/** entries per checkpoint (the sequencer's batches are at most this large) */
const BATCH = 1000;
/** checkpointed batches per store append (one SQLite transaction) */
const BATCHES_PER_APPEND = 20;

/** CPU ticks (10 ms) of a process, or of one of its threads (`tid`; the main thread's is the pid). */
export const cpuTicks = (pid: number, tid?: number): number => {
  const s = statCpuSeconds(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  if (s === undefined) throw new Error(`couldn't read the CPU of ${pid}${tid === undefined ? '' : `/${tid}`} from /proc (Linux only)`);
  return Math.round(s * 100);
};
export const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

export interface Spawned {
  readonly child: ChildProcess;
  /** seconds since the spawn at which each start-up message was logged (with `phases`) */
  readonly phases: string[];
}

/**
 * `phases`: the service logs at info level, and its start-up messages are kept with the seconds
 * since the spawn. BENCH_NODE_ARGS: flags for node (as bench:register's).
 */
export function spawnService(service: string, dataDir: string, port: number, policyFile: string, phases = false): Spawned {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...benchNodeArgs(), service], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, POLICY_FILE: policyFile, LOG_LEVEL: phases ? 'info' : 'warn', RATE_LIMIT_PER_MINUTE: '0', READ_RATE_LIMIT_PER_MINUTE: '0', LOG_ID },
    stdio: ['ignore', phases ? 'pipe' : 'inherit', 'inherit'],
  });
  const seen: string[] = [];
  if (phases) {
    let rest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
        if (msg && !/request completed|incoming request/.test(msg)) seen.push(`+${((performance.now() - t0) / 1000).toFixed(2)} s  ${msg.slice(0, 140)}`);
      }
    });
  }
  return { child, phases: seen };
}

export async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
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

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Appends `entries` synthetic entries after what the first start wrote (key, policy events):
 * well-formed COSE_Sign1 statements with fake signatures, in checkpointed batches of 1,000 whose
 * roots are the real RFC 9162 roots (fake checkpoint signatures), 20 batches per transaction.
 */
export async function fill(dataDir: string, entries: number): Promise<void> {
  const store = await openSqliteEventStore({ path: join(dataDir, 'events.sqlite'), worker: false });
  const stream = logStream(LOG_ID);
  let revision = -1;
  for await (const ev of store.readStream(stream)) revision = ev.revision;
  const range = new CompactRange();
  const protectedBytes = encodeCbor(new Map<number, unknown>([[1, -7], [3, 'application/json']]));
  const cpHeader = encodeCbor(new Map<number, unknown>([[1, -7]]));
  const start = Date.parse('2026-01-01T00:00:00Z');
  const pad = 'x'.repeat(200);
  let batch: LedgerEvent[] = [];
  let batches = 0;
  for (let index = 0; index < entries; index++) {
    const payload = Buffer.from(`{"build":${index},"pad":"${pad}"}`);
    const signature = createHash('sha512').update(`sig-${index}`).digest();
    const entry = encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature }, { tagged: true });
    const leafHash = hashLeaf(entry);
    range.append(leafHash);
    const entryId = createHash('sha256').update(entry).digest('hex');
    const registeredAt = new Date(start + index).toISOString();
    batch.push({ type: 'EntryRegistered', index, entryId, leafHash, entry, iss: 'https://ci.scale.example', sub: `pkg:generic/scale@${index}`, contentType: 'application/json', kid: 'scale', registeredAt });
    const last = index === entries - 1;
    if ((index + 1) % BATCH === 0 || last) {
      batch.push({ type: 'CheckpointSigned', treeSize: index + 1, root: range.root(), protectedHeader: cpHeader, signature: new Uint8Array(64), signedAt: registeredAt });
      batches++;
    }
    if (batches === BATCHES_PER_APPEND || last) {
      const r = await store.append(stream, batch.map((e) => toStoredEvent(e)), revision < 0 ? 'no_stream' : revision);
      revision = r.nextExpectedRevision;
      batch = [];
      batches = 0;
    }
  }
  await store.close();
}

export interface Load {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  /** the service's CPU time per request (µs, all its threads: includes background work such as processors catching up) */
  readonly cpuUs: number;
  /** the CPU time of its main thread (HTTP, Nest, the index reads) per request (µs) */
  readonly mainUs: number;
}

/** autocannon against one service: `connections` connections, `pipelining` requests in flight on each. */
export async function load(pid: number, url: string, o: { connections: number; pipelining: number; seconds: number }, path: () => string): Promise<Load> {
  const c0 = cpuTicks(pid);
  const m0 = cpuTicks(pid, pid);
  const r = await new Promise<{ rps: number; p50: number; p99: number; non2xx: number }>((resolve, reject) => {
    autocannon(
      { url, connections: o.connections, pipelining: o.pipelining, duration: o.seconds, requests: [{ setupRequest: (req) => ({ ...req, method: 'GET', path: path() }) }] },
      (err, res) => (err ? reject(err) : resolve({ rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, non2xx: res.non2xx })),
    );
  });
  const n = Math.max(1, r.rps * o.seconds);
  return { ...r, cpuUs: ((cpuTicks(pid) - c0) * 10_000) / n, mainUs: ((cpuTicks(pid, pid) - m0) * 10_000) / n };
}
