/**
 * `npm run bench:register` — registration throughput of the real service, durability on.
 *
 * Starts the service (`node dist/src/main.js`, embedded SQLite store, synchronous=FULL) in a child
 * process, pre-signs distinct ES256 statements, and drives POST /entries with autocannon from this
 * process over loopback. In the same run it measures the machine's bare ES256 verify rate on the
 * libuv threadpool (node:crypto, 64 in flight): the ratio registrations/s ÷ verifies/s is the figure.
 * A fixed-rate run at 1,000 req/s reports p50/p99 latency. It is open-loop (as wrk2): one request
 * is due every 1/rate s whatever the responses do, and each latency is measured from the time the
 * request was due, so a stall counts against every request it delays (no coordinated omission).
 * autocannon's `overallRate` is not that: it spends each second's budget in a closed-loop burst at
 * full speed, which measured the saturated latency instead (p50 ≈ 20 ms at "1,000 req/s").
 * The paced run also prints where its latency went, from the service's own histograms: the
 * registration inside the service, its durable append and the sequencer's batch sizes.
 * The paced run comes before the throughput run, so the service is not still working off the
 * throughput run's backlog (projections, publisher) while it is measured. After it, one client
 * registers 300 statements one at a time: the latency a lone publisher (a CI step) sees.
 *
 * Options (env): BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64), BENCH_RATE (the paced
 * run's rate, default 1000), BENCH_WARMUP_SECONDS (the saturated warm-up, default 2), BENCH_ONLY=paced (warm-up and paced run only), BENCH_NODE_ARGS (for the
 * service process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it), BENCH_SERVICE_ENV
 * (`NAME=value …` for the service's process only, e.g. `LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2`
 * to try another allocator), BENCH_STORE=postgres
 * (the service on EVENT_STORE=postgres at $POSTGRES_URL, default 127.0.0.1:5432, in a schema of
 * its own, dropped afterwards; default sqlite), BENCH_SERVICE (the service's main.js, default this
 * tree's dist/src/main.js: point it at a copy of an older build for an A/B in one session). BENCH_NODES=3: several nodes on PostgreSQL instead
 * (test/bench/register-nodes.bench.ts). BENCH_REGISTRY=1: the subjects are real collections in a
 * docker-registry started for the run and the service publishes every receipt there; the bench adds
 * publication throughput and the lag from 201 to referrer (test/bench/register-registry.ts).
 * BENCH_AB="<A>|<B>": two configurations or builds alternated in one run, medians and paired
 * ratios (test/bench/register-ab.ts). Before the service starts, the same client runs against a bare
 * node:http server (the floor, test/bench/register-floor.ts; BENCH_FLOOR=0 skips it). BENCH_SUBJECTS=random: each statement about a random-looking
 * collection digest, as in a real log, instead of consecutive ones (register.load.ts `benchSubjectOf`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { createPostgresJsDriver } from '../../libs/event-store/src/postgres.driver.js';
import { cpuLine, cpuPerRegistration, scrape, serverSideLine } from './service-metrics.js';
import { floorLine, measureFloor } from './register-floor.js';
import { bareVerifyRate, benchStatements, benchSubjectOf, envPairs, load, paced, serial, startService } from './register.load.js';
import { REGISTRY_MODE, drain, percentile, prepareRegistry, publicationLags, publishedCount, visibleInRegistry, type BenchRegistry, type Created } from './register-registry.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const STORE = process.env.BENCH_STORE ?? 'sqlite';
if (STORE !== 'sqlite' && STORE !== 'postgres') throw new Error(`BENCH_STORE=${STORE}: expected sqlite or postgres`);
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const POSTGRES_SCHEMA = `bench_${process.pid}`;
const storeEnv: Record<string, string> = STORE === 'postgres' ? { EVENT_STORE: 'postgres', POSTGRES_URL, POSTGRES_SCHEMA } : {};
const storeLabel = STORE === 'postgres' ? 'PostgreSQL, synchronous_commit=on' : 'SQLite WAL synchronous=FULL';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
/** BENCH_ONLY=paced: only the warm-up and the paced run (for profiling the latency) */
const ONLY_PACED = process.env.BENCH_ONLY === 'paced';
const PACED_RATE = Number(process.env.BENCH_RATE ?? 1000);
const SERIAL_COUNT = 300;
/** BENCH_WARMUP_SECONDS: the saturated warm-up before the paced run (default 2) */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const root = new URL('../../..', import.meta.url).pathname;
const SERVICE = process.env.BENCH_SERVICE ?? join(root, 'dist/src/main.js');
/** the floor (register-floor.ts): a bare node:http server, same client, before the service starts */
const FLOOR = process.env.BENCH_FLOOR !== '0' && !REGISTRY_MODE;

async function main(): Promise<void> {
  if (Number(process.env.BENCH_NODES ?? 1) > 1) return (await import('./register-nodes.bench.js')).main();
  if (process.env.BENCH_AB !== undefined) return (await import('./register-ab.js')).main();
  const dataDir = mkdtempSync(join(tmpdir(), 'scitt-bench-'));
  const reg: BenchRegistry | undefined = REGISTRY_MODE ? await prepareRegistry() : undefined;
  const subjectAt = reg ? (i: number): string => reg.subjectOf(i) : benchSubjectOf();
  const { policyFile, bodies } = await benchStatements(dataDir, Math.ceil(SECONDS * 9000) + Math.ceil(WARMUP_SECONDS * 6000) + 8000, subjectAt);
  const floor = FLOOR ? await measureFloor(bodies, { seconds: Math.min(SECONDS, 5), rate: PACED_RATE, connections: CONNECTIONS, saturated: !ONLY_PACED }) : undefined;

  const port = await freePort();
  const child = await startService({ service: SERVICE, dataDir, port, policyFile, env: { ...storeEnv, ...reg?.env, ...envPairs(process.env.BENCH_SERVICE_ENV ?? '', 'BENCH_SERVICE_ENV') } });
  const url = `http://127.0.0.1:${port}`;
  const cursor = { next: 0 };
  try {
    await load(url, bodies, cursor, { seconds: WARMUP_SECONDS, connections: CONNECTIONS }); // warm-up
    await new Promise((r) => setTimeout(r, 2000)); // let the processors work off the warm-up
    if (reg) await drain(url, cursor.next, 60_000); // and the publisher the warm-up's receipts
    const created: Created[] = [];
    const published0 = reg ? await publishedCount(url) : 0;
    const { cpu: cpu0, samples: samples0 } = await scrape(child.pid!, url);
    const fixed = await paced(url, bodies, cursor, {
      seconds: SECONDS,
      rate: PACED_RATE,
      maxInFlight: CONNECTIONS,
      ...(reg ? { onCreated: (n: number, location: string, at: number) => n % 10 === 0 && created.push({ entryId: location.split('/').pop()!, at, subject: subjectAt(n) }) } : {}),
    });
    const { cpu: cpu1, samples: samples1 } = await scrape(child.pid!, url);
    const serverSide = serverSideLine(samples0, samples1);
    if (reg) await reportPublication(url, reg, created, published0, cursor.next, fixed.total);
    await new Promise((r) => setTimeout(r, 1000)); // the paced run's backlog (processors) off the cores
    const lone = await serial(url, bodies, cursor, SERIAL_COUNT);
    const loneLine = `one client, one statement at a time, ${SERIAL_COUNT}: p50 ${lone.p50} ms  p99 ${lone.p99} ms  (not 201: ${lone.failed})`;
    if (ONLY_PACED) {
      console.log(`\n  paced ${PACED_RATE} req/s (open loop), ${SECONDS} s: ${fixed.rps.toFixed(0)} /s  p50 ${fixed.p50} ms  p99 ${fixed.p99} ms  (non-2xx ${fixed.non2xx}, errors ${fixed.errors})`);
      console.log(`    ${cpuLine(cpu0, cpu1, fixed.total + fixed.non2xx)}`);
      console.log(`    ${serverSide}`);
      console.log(`  ${loneLine}`);
      if (floor) console.log(`  ${floorLine(floor, { paced: cpuPerRegistration(cpu0, cpu1, fixed.total + fixed.non2xx)?.service }, PACED_RATE)}`);
      return;
    }
    const verifyRate = await bareVerifyRate(3000);
    const published2 = reg ? await publishedCount(url) : 0;
    const { cpu: cpu2 } = await scrape(child.pid!, url);
    const max = await load(url, bodies, cursor, { seconds: SECONDS, connections: CONNECTIONS });
    const { cpu: cpu3 } = await scrape(child.pid!, url);
    const published3 = reg ? await publishedCount(url) : 0;
    const ratio = max.rps / verifyRate;
    console.log(`\nregistration benchmark (ES256, durability on: ${storeLabel}; loopback; 2 cores)`);
    console.log(`  bare ES256 verify, threadpool, 64 in flight : ${verifyRate.toFixed(0)} /s`);
    console.log(`  registrations, ${CONNECTIONS} connections, ${SECONDS} s      : ${max.rps.toFixed(0)} /s  p50 ${max.p50} ms  p99 ${max.p99} ms  (non-2xx ${max.non2xx}, errors ${max.errors})`);
    console.log(`    ${cpuLine(cpu2, cpu3, max.total + max.non2xx)}`);
    console.log(`  ratio registrations / bare verify            : ${ratio.toFixed(2)}  (target ≥ 0.2)`);
    console.log(`  paced ${PACED_RATE.toLocaleString('en')} req/s (open loop), ${SECONDS} s     : ${fixed.rps.toFixed(0)} /s  p50 ${fixed.p50} ms  p99 ${fixed.p99} ms  (target p99 < 25 ms; non-2xx ${fixed.non2xx}, errors ${fixed.errors})`);
    console.log(`    ${cpuLine(cpu0, cpu1, fixed.total + fixed.non2xx)}`);
    console.log(`    ${serverSide}`);
    console.log(`  ${loneLine}`);
    if (floor) {
      const service = { paced: cpuPerRegistration(cpu0, cpu1, fixed.total + fixed.non2xx)?.service, saturated: cpuPerRegistration(cpu2, cpu3, max.total + max.non2xx)?.service };
      console.log(`  ${floorLine(floor, service, PACED_RATE)}`);
    }
    if (reg) {
      const backlog = cursor.next - published3;
      const d = await drain(url, cursor.next, 300_000);
      console.log(`  publication during the saturated run          : ${((published3 - published2) / SECONDS).toFixed(0)} receipts/s (${(max.rps).toFixed(0)} registrations/s)`);
      console.log(`  backlog after it: ${backlog} receipts, drained in ${d.ms === undefined ? `> 300 s (${d.published} published)` : `${(d.ms / 1000).toFixed(1)} s: ${((backlog / d.ms) * 1000).toFixed(0)} receipts/s`}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    await reg?.dispose();
    if (STORE === 'postgres') {
      const d = createPostgresJsDriver({ connectionString: POSTGRES_URL, poolSize: 1 });
      await d.script(`DROP SCHEMA IF EXISTS "${POSTGRES_SCHEMA}" CASCADE`);
      await d.end();
    }
  }
}

/** After the paced run: how fast its receipts reached the registry (see register-registry.ts). */
async function reportPublication(url: string, reg: BenchRegistry, created: readonly Created[], published0: number, registered: number, servedInRun: number): Promise<void> {
  const d = await drain(url, registered, 120_000);
  const { lags, unpublished } = await publicationLags(url, created);
  const sample = created.filter((_, k) => k % Math.max(1, Math.floor(created.length / 50)) === 0);
  const seen = await visibleInRegistry(reg.registry, sample);
  console.log(`\n  publication of the paced run (real docker-registry, ${servedInRun} registrations)`);
    console.log(`    backlog drained ${d.ms === undefined ? 'not within 120 s' : `${(d.ms / 1000).toFixed(1)} s after the run`}; ${d.published - published0} receipts published since its start`);
  console.log(`    201 → referrer in the registry, ${lags.length} sampled: p50 ${percentile(lags, 0.5).toFixed(0)} ms  p99 ${percentile(lags, 0.99).toFixed(0)} ms  max ${percentile(lags, 1).toFixed(0)} ms  (unpublished ${unpublished})`);
  console.log(`    listed among their subject's referrers in the registry: ${seen} of ${sample.length} checked`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
