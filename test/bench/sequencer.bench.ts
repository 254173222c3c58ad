/**
 * The write path behind HTTP and verification, A/B between builds in one process: the sequencer
 * with a real SQLite event store (worker thread, synchronous=FULL, as the service runs it), a real
 * log-index file and a real checkpoint key, fed pre-admitted entries (no HTTP, no signature checks:
 * those cost the same in every build). Prints main-thread CPU per entry (from /proc: it includes
 * the event loop's share of SQLite and the hand-off to the store's worker) and entries/s, then the
 * cost of reading a receipt back from the log index (GET /entries/{id} without HTTP).
 *
 * Run after a build: `node dist/test/bench/sequencer.bench.js` (`BENCH_BUILDS=<dist dir>,<dist dir>`
 * to compare builds, alternated, `BENCH_ROUNDS` rounds; `BENCH_ENTRIES` entries per run, default 20,000;
 * `BENCH_IN_FLIGHT` submissions in flight, default 256). Linux only (CPU from /proc).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Alg, coseKeyThumbprint, encodeCbor, encodeSign1, nodeCryptoBackend, publicKey } from '../../libs/cose/src/index.js';
import type { AdmittedEntry } from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { toEntry } from '../../libs/receipt/src/index.js';
import { statementIdOfStatement } from '../../src/log/statement-id.js';
import { statCpuSeconds } from '../../src/metrics/thread-cpu.js';

const here = new URL('../..', import.meta.url).pathname; // dist/
const BUILDS = (process.env.BENCH_BUILDS ?? here).split(',').filter(Boolean);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);
const LOG = 'bench';

const mainThreadSeconds = (): number => {
  const s = statCpuSeconds(`/proc/self/task/${process.pid}/stat`);
  if (s === undefined) throw new Error("couldn't read this thread's CPU from /proc (Linux only)");
  return s;
};

function admitted(n: number): AdmittedEntry {
  const protectedBytes = encodeCbor(new Map<number, unknown>([[1, -7], [3, 'application/json'], [15, new Map<number, unknown>([[1, 'https://ci.bench.example'], [2, `pkg:generic/app@${n}`]])]]));
  const payload = new TextEncoder().encode(JSON.stringify({ build: n, pad: 'x'.repeat(1200) }));
  const signed = encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature: createHash('sha512').update(`sig-${n}`).digest() }, { tagged: true });
  const { entry, statement } = toEntry(signed);
  return {
    entry,
    entryId: createHash('sha256').update(entry).digest('hex'),
    statementId: statementIdOfStatement(statement),
    leafHash: hashLeaf(entry),
    iss: 'https://ci.bench.example',
    sub: `pkg:generic/app@${n}`,
    contentType: 'application/json',
    kid: 'bench',
  };
}

async function run(build: string, entries: readonly AdmittedEntry[]): Promise<string> {
  const { Sequencer } = await import(join(build, 'src/log/sequencer.js'));
  const { LogIndexStore } = await import(join(build, 'src/log/log-index.store.js'));
  const { checkpointSigner } = await import(join(build, 'src/log/service-key.js'));
  const { openSqliteEventStore } = await import(join(build, 'libs/event-store/src/index.js'));
  const dir = mkdtempSync(join(tmpdir(), 'scitt-seq-bench-'));
  const key = await nodeCryptoBackend.generateKey(Alg.ES256);
  const pub = publicKey(key);
  const kid = coseKeyThumbprint(pub);
  const signer = checkpointSigner({ alg: Alg.ES256, kid, privateKey: { ...key, kid, alg: Alg.ES256 }, publicKey: { ...pub, kid, alg: Alg.ES256 } }, 'https://ledger.bench', LOG);
  const store = await openSqliteEventStore({ path: join(dir, 'events.sqlite') });
  const index = new LogIndexStore(join(dir, 'log-index.sqlite'));
  const seq = new Sequencer({ store, index, signer, logId: LOG, maxBatch: 512, lingerMs: 0, maxQueue: 100_000 });
  await seq.start();
  try {
    let next = 0;
    const cpu0 = mainThreadSeconds();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < entries.length) await seq.submit(entries[next++]!);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = mainThreadSeconds() - cpu0;
    // receipts read back (what GET /entries/{id} asks the index), random entries
    const ids = entries.map((e) => e.entryId);
    const reads = 20_000;
    const r0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < reads; i++) bytes += (index.receipt(ids[(i * 7919) % ids.length]!) as Uint8Array).length;
    const readUs = ((performance.now() - r0) * 1000) / reads;
    await seq.drain();
    return `${Math.round((cpu / entries.length) * 1e6)} µs main-thread CPU per entry, ${Math.round(entries.length / seconds)} entries/s; receipt read ${readUs.toFixed(1)} µs (${Math.round(bytes / reads)} B)`;
  } finally {
    index.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const all: AdmittedEntry[][] = [];
for (let r = 0; r < ROUNDS * BUILDS.length; r++) {
  const base = r * ENTRIES;
  all.push(Array.from({ length: ENTRIES }, (_, i) => admitted(base + i)));
}
console.log(`sequencer + log index, ${ENTRIES} entries of ~1.3 KB per run, ${IN_FLIGHT} in flight, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
let k = 0;
for (let round = 1; round <= ROUNDS; round++) {
  for (const build of BUILDS) console.log(`  ${build} (round ${round}): ${await run(build, all[k++]!)}`);
}
