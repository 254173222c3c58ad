/**
 * `npm run bench:http-hooks` — what the observability hooks cost per request: the request id
 * (genReqId, X-Request-Id), the HTTP and registration metrics (prom-client) and the
 * debug-level check of the request log line (src/metrics/http.hooks.ts), measured as CPU time per
 * request on a bare Fastify route with and without them, through `inject` (no sockets: the hooks'
 * cost alone, which a loaded shared machine barely disturbs because it is CPU time, not wall time).
 * Rounds alternate between the two setups; the minimum (the least disturbed round) and the median
 * of each are printed with their differences.
 */
import Fastify from 'fastify';
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
