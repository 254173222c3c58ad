/**
 * The fast children export what prom-client's own would for the same observations — the text a
 * Prometheus scrape reads, also after the HTTP thread's registry is merged with the processors'
 * (metrics.controller.ts). What they save per call: docs/benchmarks.md, #17 tenth pass.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A deterministic stream of values spanning every bucket, the bounds themselves and beyond the last. */
function* values(n: number): Generator<number> {
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 48271) % 2147483647;
    yield i % 17 === 0 ? BUCKETS[i % BUCKETS.length]! : i % 29 === 0 ? 12 + (x % 5) : (x / 2147483647) ** 3 * 3;
  }
}

/** The same series written into prom-client's metrics and into the fast ones; both registries. */
function both(): { theirs: Registry; ours: Registry } {
  const theirs = new Registry();
  const ours = new Registry();
  const spec = { name: 'scitt_x_seconds', help: 'a help text, with "quotes" and \\ backslash', labelNames: ['method', 'route'] as const, buckets: BUCKETS };
  const c = { name: 'scitt_x_total', help: 'counted', labelNames: ['method', 'route', 'status'] as const };
  const h1 = new Histogram({ ...spec, registers: [theirs] });
  const c1 = new Counter({ ...c, registers: [theirs] });
  const h2 = new FastHistogram({ ...spec, registers: [ours] });
  const c2 = new FastCounter({ ...c, registers: [ours] });
  const routes = [['POST', '/entries'], ['GET', '/entries/:id'], ['GET', 'unmatched']] as const;
  const fast = routes.map(([m, r]) => ({ h: h2.labels(m, r), c: c2.labels(m, r, '200') }));
  let i = 0;
  for (const v of values(5000)) {
    const k = i++ % routes.length;
    const [m, r] = routes[k]!;
    h1.labels(m, r).observe(v);
    c1.labels(m, r, '200').inc();
    fast[k]!.h.observe(v);
    fast[k]!.c.inc();
  }
  return { theirs, ours };
}

describe('fast metrics', () => {
  it("export prom-client's text for the same observations", async () => {
    const { theirs, ours } = both();
    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(text, /scitt_x_seconds_bucket\{le="0\.0005",method="POST",route="\/entries"\} \d+/);
  });

  it('merge with another registry as prom-client metrics do (the HTTP and the processors\' threads)', async () => {
    const { theirs, ours } = both();
    const other = new Registry();
    new Counter({ name: 'scitt_other_total', help: 'other', registers: [other] }).inc(3);
    const merged = async (r: Registry): Promise<string> => AggregatorRegistry.aggregate([await r.getMetricsAsJSON(), await other.getMetricsAsJSON()]).metrics();
    assert.equal(await merged(ours), await merged(theirs));
  });

  it('reset to zero and keep counting on the same children', async () => {
    const r = new Registry();
    const h = new FastHistogram({ name: 'h', help: 'h', labelNames: ['k'] as const, buckets: [1, 2], registers: [r] });
    const child = h.labels('a');
    child.observe(1.5);
    r.resetMetrics();
    child.observe(0.5);
    const text = await r.metrics();
    assert.match(text, /h_bucket\{le="1",k="a"\} 1\n/);
    assert.match(text, /h_count\{k="a"\} 1\n/);
    assert.throws(() => child.observe(Number.NaN), TypeError);
    assert.throws(() => h.labels('a', 'b'), /expected 1 label values/);
  });
});
