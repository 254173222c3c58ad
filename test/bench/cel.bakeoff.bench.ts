/**
 * The CEL bake-off (docs/policy.md#which-cel): @marcbachmann/cel-js (the dependency) against
 * @bufbuild/cel (installed on demand: `npm run bench:cel` does `npm install --no-save`), on the
 * claim model of the hand-made CycloneDX fixture (49 components) and the three documented rules.
 *
 * Rows, alternating libraries, same inputs:
 *   1. compile: parse (and, for cel-js, type-check) the three rules;
 *   2. evaluate: the three rules on one claim (compiled once);
 *   3. per claim as the ledger does it: the three rules under one vm watchdog (cel-js only);
 *   4. a hostile rule (three nested comprehensions) on a 2,000-component SBOM: what the budget stops.
 *
 * Run: npm run bench:cel   (BENCH_MS: time per row, default 1500)
 */
import { parseClaimContent } from '../../libs/content/src/index.js';
import { claimActivation, compileRules, evaluateRules } from '../../libs/ledger/src/index.js';
import { fixtureBytes, FIXTURE_CONTENT_TYPE } from '../support/content-fixtures.js';
import { EXAMPLE_RULES } from '../support/cel-examples.js';

const MS = Number(process.env.BENCH_MS ?? 1500);
const rules = EXAMPLE_RULES({ denied: ['GPL-3.0-only', 'AGPL-3.0-only'], builder: 'https://ci.example/builder', cves: ['CVE-2023-5678'] });
const content = parseClaimContent(FIXTURE_CONTENT_TYPE['cyclonedx-1.6-sbom.json'], fixtureBytes('cyclonedx-1.6-sbom.json'));
const activation = claimActivation({ iss: 'https://vendor.example', sub: 'r.example/app@sha256:' + '0'.repeat(64), contentType: 'application/vnd.cyclonedx+json', hashEnvelope: false }, content);

function perOp(fn: () => unknown): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + MS;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  return ((performance.now() - t0) * 1000) / n; // µs
}

interface BufCel {
  parse(e: string): unknown;
  plan(env: unknown, ast: unknown): (ctx: Record<string, unknown>) => unknown;
  celEnv(): unknown;
}

async function main(): Promise<void> {
  let buf: BufCel | undefined;
  try {
    buf = (await import('@bufbuild/cel' as string)) as BufCel;
  } catch {
    console.log('@bufbuild/cel is not installed: run `npm run bench:cel` (it installs it with --no-save); cel-js rows only');
  }
  const exprs = rules.flatMap((r) => [r.when, r.require]);
  const compiled = compileRules(rules, 'rules').compiled;
  const rows: [string, number, number | undefined][] = [];
  const bufEnv = buf?.celEnv();
  rows.push(['compile 3 rules (6 expressions)', perOp(() => compileRules(rules, 'rules')), buf ? perOp(() => exprs.map((e) => buf!.plan(bufEnv, buf!.parse(e)))) : undefined]);
  const plans = buf ? exprs.map((e) => buf!.plan(bufEnv, buf!.parse(e))) : [];
  const ctx = activation as unknown as Record<string, unknown>;
  const celjsEval = (): unknown => compiled.map((r) => [r.when?.(ctx), r.require(ctx)]);
  rows.push(['evaluate 3 rules on one claim', perOp(celjsEval), buf ? perOp(() => plans.map((p) => p(ctx))) : undefined]);
  rows.push(['per claim, one vm watchdog (as the ledger runs it)', perOp(() => evaluateRules(compiled, activation)), undefined]);
  console.log(`CEL bake-off: ${content.components.length} components, BENCH_MS=${MS}`);
  console.log('row'.padEnd(54), '@marcbachmann/cel-js'.padStart(22), '@bufbuild/cel'.padStart(16), 'ratio'.padStart(8));
  for (const [name, a, b] of rows) console.log(name.padEnd(54), `${a.toFixed(1)} µs`.padStart(22), (b === undefined ? '—' : `${b.toFixed(1)} µs`).padStart(16), (b === undefined ? '' : `${(b / a).toFixed(1)}×`).padStart(8));
  const big = claimActivation({ iss: 'i', sub: 's', contentType: 'application/vnd.cyclonedx+json', hashEnvelope: false }, { ...content, components: Array.from({ length: 2000 }, (_, i) => ({ ...content.components[0]!, name: `c${i}` })) });
  const hostile = compileRules([{ name: 'cubic', require: 'claim.components.all(a, claim.components.all(b, claim.components.all(c, a.name != "" || b.name != "" || c.name != "")))' }], 'rules').compiled;
  for (const budget of [100, 500]) {
    const t0 = performance.now();
    const [v] = evaluateRules(hostile, big, budget);
    console.log(`hostile rule (3 nested comprehensions, 2,000 components = 8·10⁹ steps), budget ${budget} ms: ${v!.error ?? 'finished'} after ${(performance.now() - t0).toFixed(0)} ms`);
  }
}

await main();
