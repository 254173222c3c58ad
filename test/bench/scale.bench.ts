/**
 * `npm run bench:scale` — the service with a large log (default 10⁶ entries) against a baseline
 * size (default 10⁴), in one run: fill, cold start, restart, memory, and the read paths'
 * throughput, with the ratios large / baseline (what grows with n).
 *
 * For each size:
 * 1. Starts the service once on an empty data directory (it writes its key and log id), stops it.
 * 2. Fills the event store directly (no HTTP, no signing; scale.parts.ts `fill`): checkpointed
 *    batches of 1,000 entries with real RFC 9162 roots (the service recomputes every root when it
 *    rebuilds its index), fake statement and checkpoint signatures — nothing on these paths
 *    verifies them (receipts built here do not verify; throughput is the point). The subjects are
 *    not OCI references, so the publisher has no work.
 * 3. Cold start: the service rebuilds its log index from the stream (timed until /health/ready)
 *    and its processors build the projections (timed until they have caught up); stopped.
 * 4. Restart: spawn → first `201` of a real registration, the service's start-up messages with
 *    their times, and its RSS (/proc) right after.
 * 5. GETs with autocannon (BENCH_CONNECTIONS connections × BENCH_PIPELINING in flight,
 *    BENCH_SECONDS each): `/health/live` (the framework's floor: Fastify + Nest, no work),
 *    `/proofs/inclusion?index=<random>` and `/entries/<random id>` (the receipt): requests/s,
 *    p50/p99, the service's CPU per request (all threads, and its main thread alone: the processors'
 *    thread may still be catching up).
 *
 * Options (env): SCALE_ENTRIES (default 1000000), SCALE_BASELINE (default 10000; 0 = none),
 * BENCH_SECONDS (5), BENCH_CONNECTIONS (32), BENCH_PIPELINING (4), BENCH_SERVICE (the service's
 * main.js; default this tree's build), BENCH_DIR (where data directories go; default the OS temp
 * directory), SCALE_KEEP=1 (keep each size's data directory as BENCH_DIR/scitt-scale-<n> and reuse
 * it on the next run: fill and cold start are skipped, "reused" is printed).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeIssuer, signStatement } from '../support/statements.js';
import { freePort } from '../support/ports.js';
import { fill, load, rssMb, spawnService, stop, until, type Load, type Spawned } from './scale.parts.js';

const ENTRIES = Number(process.env.SCALE_ENTRIES ?? 1_000_000);
const BASELINE = Number(process.env.SCALE_BASELINE ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 4);
const KEEP = process.env.SCALE_KEEP === '1';
const root = new URL('../../..', import.meta.url).pathname;
const SERVICE = process.env.BENCH_SERVICE ?? join(root, 'dist/src/main.js');

const load1 = (): string => loadavg()[0]!.toFixed(1);

interface SizeResult {
  readonly n: number;
  readonly fillS?: number;
  readonly coldS?: number;
  readonly caughtUpS?: number;
  readonly coldRssMb?: number;
  readonly restartS: number;
  /** RSS right after the first 201 of the restart (the issue's start-up figure) */
  readonly startRssMb: number;
  /** the largest RSS seen: after the first 201, or after the GETs */
  readonly rssMb: number;
  readonly gets: Record<string, Load>;
  readonly load: string;
}

const GETS = ['/health/live', '/proofs/inclusion', '/entries/{id}'] as const;

async function runSize(n: number): Promise<SizeResult> {
  const dataDir = join(process.env.BENCH_DIR ?? tmpdir(), KEEP ? `scitt-scale-${n}` : `scitt-scale-${n}-${process.pid}`);
  const marker = join(dataDir, 'bench-filled.json');
  const reused = KEEP && existsSync(marker) && (JSON.parse(readFileSync(marker, 'utf8')) as { entries: number }).entries === n;
  if (!reused) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const issuer = await makeIssuer('https://ci.bench.example', 'ES256');
  const policyFile = join(dataDir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const health = async (): Promise<boolean> => (await fetch(`${url}/health/ready`)).ok;
  const start = (phases = false): Spawned => spawnService(SERVICE, dataDir, port, policyFile, phases);
  let s: Spawned | undefined;
  const out: { -readonly [K in keyof SizeResult]?: SizeResult[K] } = { n };
  try {
    if (!reused) {
      s = start();
      await until('the first start', 120_000, health);
      await stop(s.child);

      let t0 = performance.now();
      await fill(dataDir, n);
      out.fillS = (performance.now() - t0) / 1000;
      console.log(`[${n}] filled the event store in ${out.fillS.toFixed(1)} s (load ${load1()})`);

      t0 = performance.now();
      s = start();
      await until('the cold start', 3_600_000, health);
      out.coldS = (performance.now() - t0) / 1000;
      await until('the processors to catch up', 3_600_000, async () => {
        // a processor's lag is known only once its thread answered: unknown is not caught up
        const d = (await (await fetch(`${url}/health/details`)).json()) as { processors: { lag?: number }[] };
        return d.processors.length > 0 && d.processors.every((p) => p.lag === 0);
      });
      out.caughtUpS = (performance.now() - t0) / 1000;
      out.coldRssMb = rssMb(s.child.pid!);
      console.log(`[${n}] cold start: ready (log index rebuilt) after ${out.coldS.toFixed(1)} s, processors caught up after ${out.caughtUpS.toFixed(1)} s, RSS ${out.coldRssMb.toFixed(0)} MB (load ${load1()})`);
      await stop(s.child);
      if (KEEP) writeFileSync(marker, JSON.stringify({ entries: n }));
    } else {
      console.log(`[${n}] reused ${dataDir} (fill and cold start skipped)`);
    }

    const statement = Buffer.from(await signStatement(issuer, { sub: `pkg:generic/after-restart@${Date.now()}`, payload: '{"restart":1}' }));
    const t0 = performance.now();
    s = start(true);
    await until('the first registration after the restart', 600_000, async () => {
      const res = await fetch(`${url}/entries`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: statement });
      await res.arrayBuffer();
      return res.status === 201;
    });
    out.restartS = (performance.now() - t0) / 1000;
    out.startRssMb = out.rssMb = rssMb(s.child.pid!);
    console.log(`[${n}] restart → first 201 after ${out.restartS.toFixed(2)} s, RSS ${out.rssMb.toFixed(0)} MB (load ${load1()}); start-up messages:`);
    for (const p of s.phases) console.log(`      ${p}`);

    // entry ids of random indices, for GET /entries/{id}
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const res = await fetch(`${url}/proofs/inclusion?index=${Math.floor(Math.random() * n)}`);
      ids.push(((await res.json()) as { entryId: string }).entryId);
    }
    const paths: Record<(typeof GETS)[number], () => string> = {
      '/health/live': () => '/health/live',
      '/proofs/inclusion': () => `/proofs/inclusion?index=${Math.floor(Math.random() * n)}`,
      '/entries/{id}': () => `/entries/${ids[Math.floor(Math.random() * ids.length)]}`,
    };
    const gets: Record<string, Load> = {};
    for (const g of GETS) {
      gets[g] = await load(s.child.pid!, url, { connections: CONNECTIONS, pipelining: PIPELINING, seconds: SECONDS }, paths[g]);
      console.log(`[${n}] GET ${g}: ${Math.round(gets[g].rps)}/s, p50 ${gets[g].p50} / p99 ${gets[g].p99} ms, ${Math.round(gets[g].cpuUs)} / ${Math.round(gets[g].mainUs)} µs CPU per request (service / main thread), non-2xx ${gets[g].non2xx} (load ${load1()})`);
    }
    out.rssMb = Math.max(out.rssMb, rssMb(s.child.pid!));
    return { ...(out as SizeResult), gets, load: load1() };
  } finally {
    if (s) await stop(s.child);
    if (!KEEP) rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(results: SizeResult[]): void {
  const f = (v: number | undefined, d = 1): string => (v === undefined ? '—' : v.toFixed(d));
  console.log(`\n| entries | fill (s) | cold start: ready / caught up (s) | restart → first 201 (s) | RSS at it / after the GETs (MB) | ${GETS.map((g) => `GET ${g} req/s (µs CPU service / main)`).join(' | ')} | load |`);
  console.log(`|---:|---:|---:|---:|---:|${GETS.map(() => '---:').join('|')}|---:|`);
  for (const r of results) {
    const gets = GETS.map((g) => `${Math.round(r.gets[g]!.rps)} (${Math.round(r.gets[g]!.cpuUs)} / ${Math.round(r.gets[g]!.mainUs)})`).join(' | ');
    console.log(`| ${r.n} | ${f(r.fillS)} | ${f(r.coldS)} / ${f(r.caughtUpS)} | ${f(r.restartS, 2)} | ${f(r.startRssMb, 0)} / ${f(r.rssMb, 0)} | ${gets} | ${r.load} |`);
  }
  if (results.length === 2) {
    const [b, l] = results as [SizeResult, SizeResult];
    const q = (x: number | undefined, y: number | undefined): string => (x === undefined || y === undefined ? '—' : (x / y).toFixed(2));
    const gets = GETS.map((g) => `${q(l.gets[g]!.rps, b.gets[g]!.rps)} (${q(l.gets[g]!.cpuUs, b.gets[g]!.cpuUs)} / ${q(l.gets[g]!.mainUs, b.gets[g]!.mainUs)})`).join(' | ');
    console.log(`| ratio ${l.n} / ${b.n} | ${q(l.fillS, b.fillS)} | ${q(l.coldS, b.coldS)} / ${q(l.caughtUpS, b.caughtUpS)} | ${q(l.restartS, b.restartS)} | ${q(l.startRssMb, b.startRssMb)} / ${q(l.rssMb, b.rssMb)} | ${gets} | |`);
  }
  const big = results.at(-1)!;
  console.log(`\ntargets at ${big.n}: restart → first 201 < 5 s: ${big.restartS.toFixed(2)} s; RSS at it < 300 MB: ${big.startRssMb.toFixed(0)} MB (after the GETs ${big.rssMb.toFixed(0)} MB); GET /proofs/inclusion ≥ 20,000/s: ${Math.round(big.gets['/proofs/inclusion']!.rps)}/s`);
}

async function main(): Promise<void> {
  console.log(`bench:scale — ${BASELINE > 0 ? `${BASELINE} then ` : ''}${ENTRIES} entries; ${CONNECTIONS} connections × ${PIPELINING} pipelined, ${SECONDS} s per GET; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const results: SizeResult[] = [];
  for (const n of BASELINE > 0 && BASELINE !== ENTRIES ? [BASELINE, ENTRIES] : [ENTRIES]) results.push(await runSize(n));
  table(results);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
