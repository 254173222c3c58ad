/**
 * `npm run bench:http-hooks` — what the observability hooks cost per request: the request id
 * (genReqId, X-Request-Id), the HTTP and registration metrics (prom-client) and the
 * debug-level check of the request log line (src/metrics/http.hooks.ts), measured as CPU time per
 * request on a bare Fastify route with and without them, through `inject` (no sockets: the hooks'
 * cost alone, which a loaded shared machine barely disturbs because it is CPU time, not wall time).
 * Rounds alternate between the two setups; the minimum (the least disturbed round) and the median
 * of each are printed with their differences.
 *
 * Then the metrics' own calls for one registration, without HTTP (the request's counter and
 * histogram, the registration's, its three stages): this build's ServiceMetrics (fast-metrics.ts
 * children) against the same calls on prom-client's own cached children, the baseline.
 */
import Fastify from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { genReqId } from '../../src/common/request-context.js';
import { installHttpHooks } from '../../src/metrics/http.hooks.js';
import { ServiceMetrics } from '../../src/metrics/service.metrics.js';
import { createPino, ServiceLogger } from '../../src/common/service.logger.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

async function app(withHooks: boolean): Promise<ReturnType<typeof Fastify>> {
  const f = Fastify(withHooks ? { genReqId } : {});
  if (withHooks) installHttpHooks(f, new ServiceMetrics(), new ServiceLogger(createPino('info', 'json')));
  f.post('/entries', async (_req, reply) => reply.status(201).send('ok'));
  await f.ready();
  return f;
}

/** CPU µs per request for `n` POSTs. */
async function cpuPerRequest(f: Awaited<ReturnType<typeof app>>, n: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await f.inject({ method: 'POST', url: '/entries', payload: 'x', headers: { 'content-type': 'text/plain' } });
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bare = await app(false);
const hooked = await app(true);
await cpuPerRequest(bare, 2000);
await cpuPerRequest(hooked, 2000);
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  a.push(await cpuPerRequest(bare, REQUESTS));
  b.push(await cpuPerRequest(hooked, REQUESTS));
}
const [ma, mb] = [median(a), median(b)];
const [na, nb] = [Math.min(...a), Math.min(...b)];
console.log(`observability hooks: ${REQUESTS} requests × ${ROUNDS} rounds, CPU µs per request (min / median)`);
console.log(`  bare Fastify route : ${na.toFixed(1)} / ${ma.toFixed(1)}   (rounds ${a.map((x) => x.toFixed(1)).join(', ')})`);
console.log(`  with the hooks     : ${nb.toFixed(1)} / ${mb.toFixed(1)}   (rounds ${b.map((x) => x.toFixed(1)).join(', ')})`);
console.log(`  added per request  : ${(nb - na).toFixed(1)} / ${(mb - ma).toFixed(1)} µs  (${(nb / na).toFixed(2)}× / ${(mb / ma).toFixed(2)}×)`);
await bare.close();
await hooked.close();

/** ns per call of `f` (best of the rounds). */
function nsPer(f: (i: number) => void, n = 200_000): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n);
  }
  return best;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const service = new ServiceMetrics();
const timing = { queuedAt: [0], takenAt: 1, releasedAt: 3 } as unknown as Parameters<ServiceMetrics['released']>[0];
const ours = nsPer((i) => {
  service.request('POST', '/entries', 201, (i % 50) / 1000);
  service.checked(i % 3);
  service.released(timing);
});
const r = new Registry();
const c1 = new Counter({ name: 'a', help: 'a', labelNames: ['method', 'route', 'status'], registers: [r] }).labels('POST', '/entries', '201');
const h1 = new Histogram({ name: 'b', help: 'b', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [r] }).labels('POST', '/entries');
const c2 = new Counter({ name: 'c', help: 'c', labelNames: ['outcome'], registers: [r] }).labels('registered');
const h2 = new Histogram({ name: 'd', help: 'd', labelNames: ['outcome'], buckets: BUCKETS, registers: [r] }).labels('registered');
const stage = new Histogram({ name: 'e', help: 'e', labelNames: ['stage'], buckets: [0.0005, ...BUCKETS], registers: [r] });
const [s1, s2, s3] = ['check', 'queue', 'sequence'].map((k) => stage.labels(k));
const theirs = nsPer((i) => {
  const v = (i % 50) / 1000;
  c1.inc();
  h1.observe(v);
  c2.inc();
  h2.observe(v);
  s1!.observe((i % 3) / 1000);
  s2!.observe(0.001);
  s3!.observe(0.002);
});
console.log(`metrics calls of one registration (2 counters, 5 histogram observations), ns (best of ${ROUNDS} rounds of 200,000):`);
console.log(`  prom-client's cached children (baseline): ${theirs.toFixed(0)}   ServiceMetrics: ${ours.toFixed(0)}   (${(ours / theirs).toFixed(2)}×)`);
