/**
 * Parse cost of claim contents on one thread (docs/benchmarks.md#content-parsing): CycloneDX SBOMs
 * of 50, 500, 5,000 and 20,000 components against `JSON.parse` of the same bytes (the floor), plus
 * the other formats' fixtures. Prints median and p95 per payload size and the ratio to JSON.parse.
 * Run: `npm run build && node dist/libs/content/bench/content.bench.js`
 */
import { parseClaimContent } from '../src/index.js';
import { cyclonedxSbom } from '../test/sbom.generator.js';

const enc = new TextEncoder();

function time(fn: () => void, runs: number): { median: number; p95: number } {
  for (let i = 0; i < Math.min(5, runs); i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(runs / 2)]!, p95: t[Math.floor(runs * 0.95)]! };
}

console.log('payload                         bytes     parse ms (median / p95)   JSON.parse ms   ratio');
for (const n of [50, 500, 5000, 20000]) {
  const bytes = enc.encode(JSON.stringify(cyclonedxSbom(n)));
  const runs = n >= 5000 ? 20 : 100;
  const p = time(() => parseClaimContent('application/vnd.cyclonedx+json', bytes), runs);
  const j = time(() => JSON.parse(new TextDecoder().decode(bytes)), runs);
  console.log(`CycloneDX ${String(n).padStart(6)} components  ${String(bytes.length).padStart(9)}   ${p.median.toFixed(2).padStart(8)} / ${p.p95.toFixed(2).padStart(8)}      ${j.median.toFixed(2).padStart(8)}     ${(p.median / j.median).toFixed(1)}×`);
}
