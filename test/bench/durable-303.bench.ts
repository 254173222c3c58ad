/**
 * `node dist/test/bench/durable-303.bench.js` — what would it cost to make a `303` durable?
 *
 * Today `POST /entries` with `Prefer: respond-async` answers 303 as soon as the statement is
 * verified and queued for the sequencer: a crash before the next append loses it (the Location
 * then answers 404). Two ways to make the 303 durable, measured against today on the real service
 * (in-process, embedded SQLite store, fsync on), closed loop, BENCH_CONNECTIONS clients:
 *  A. today: 303 after verify + enqueue;
 *  B. durable = sequenced: answer only after the append (what a 201 already costs: the 303 then
 *     only differs from 201 by leaving the receipt out);
 *  C. durable = journaled: A plus a separate group-committed, fdatasync'ed journal of accepted
 *     statements (replayed at start) — estimated as A's latency plus a journal prototype measured
 *     here with the same concurrency and statement sizes (append + one fdatasync per group).
 * Prints throughput and p50/p99 latency per mode, and the ratios to A.
 * Options (env): BENCH_SECONDS (default 5 per mode), BENCH_CONNECTIONS (default 32).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register, startLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Result {
  readonly name: string;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function closedLoop(name: string, op: (i: number) => Promise<void>): Promise<Result> {
  const lat: number[] = [];
  let next = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const i = next++;
        const t = performance.now();
        await op(i);
        lat.push(performance.now() - t);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { name, perSecond: lat.length / SECONDS, p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** A group-commit journal prototype: writes queue while one fdatasync runs; each write resolves after its group's sync. */
function journal(path: string): { append(bytes: Uint8Array): Promise<void>; close(): void } {
  const fd = openSync(path, 'a');
  let queue: { bytes: Uint8Array; done: () => void }[] = [];
  let syncing = false;
  const flush = (): void => {
    if (syncing || queue.length === 0) return;
    syncing = true;
    const group = queue;
    queue = [];
    setImmediate(() => {
      for (const w of group) writeSync(fd, w.bytes);
      fdatasyncSync(fd);
      syncing = false;
      for (const w of group) w.done();
      flush();
    });
  };
  return {
    append: (bytes) =>
      new Promise<void>((done) => {
        queue.push({ bytes, done });
        flush();
      }),
    close: () => closeSync(fd),
  };
}

async function main(): Promise<void> {
  const issuer = await makeIssuer('https://bench.example');
  const total = Math.ceil(SECONDS * 4000);
  const statements: Uint8Array[] = [];
  for (let i = 0; i < total * 2; i++) statements.push(await signStatement(issuer, { sub: subjectOf(i + 1), payload: `{"n":${i},"pad":"${'x'.repeat(1200)}"}` }));
  const size = statements[0]!.length;
  const ledger = await startLedger({
    policy: { version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] },
    env: { RATE_LIMIT_PER_MINUTE: '0', READ_RATE_LIMIT_PER_MINUTE: '0', OCI_PUBLISHER: 'off' },
  });
  let cursor = 0;
  const post = async (prefer?: string): Promise<number> => {
    const res = await register(ledger.url, statements[cursor++ % statements.length]!, prefer ? { prefer } : {});
    await res.arrayBuffer();
    return res.status;
  };
  try {
    await closedLoop('warm-up', async () => void (await post()));
    const a = await closedLoop('A  303 today (verify + enqueue)', async () => {
      const s = await post('respond-async');
      if (s !== 303 && s !== 201) throw new Error(`HTTP ${s}`);
    });
    while (ledger.sequencer.queueLength > 0) await new Promise((r) => setTimeout(r, 50)); // A's backlog
    const b = await closedLoop('B  durable = sequenced (= 201)', async () => {
      const s = await post();
      if (s !== 201) throw new Error(`HTTP ${s}`);
    });
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const j = journal(join(dir, 'accepted.journal'));
    const jr = await closedLoop('   journal alone (append + group fdatasync)', () => j.append(statements[cursor++ % statements.length]!));
    j.close();
    rmSync(dir, { recursive: true, force: true });
    const c: Result = { name: 'C  durable = journaled (A + journal, est.)', perSecond: 1 / (1 / a.perSecond + 1 / jr.perSecond), p50: a.p50 + jr.p50, p99: a.p99 + jr.p99 };
    console.log(`durable 303: ${CONNECTIONS} clients, ${SECONDS} s per mode, ${size}-byte ES256 statements, fsync on`);
    for (const r of [a, b, jr, c]) {
      console.log(`${r.name.padEnd(46)} ${r.perSecond.toFixed(0).padStart(6)} /s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms` + (r === a || r === jr ? '' : `   (×${(r.p50 / a.p50).toFixed(2)} p50, ×${(a.perSecond / r.perSecond).toFixed(2)} time per registration vs A)`));
    }
  } finally {
    await ledger.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
