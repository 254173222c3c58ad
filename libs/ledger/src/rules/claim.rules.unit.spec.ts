import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { claimActivation, type ClaimContentLike } from './claim.model.js';
import { compileRules, evaluateRules, positionOf, RuleCompileError } from './claim.rules.js';
import { parsePolicy, PolicyError } from '../policy.js';

const SUB = 'registry.example/acme/app@sha256:' + 'ab'.repeat(32);
const empty = { components: [], vex: [], subjects: [], predicateType: null, builder: null, buildType: null, document: {} };
const sbom = (licences: string[][]): ClaimContentLike => ({
  ...empty,
  kind: 'cyclonedx',
  components: licences.map((l, i) => ({ purl: `pkg:npm/p${i}@1.0.0`, purlBase: `pkg:npm/p${i}`, name: `p${i}`, version: '1.0.0', hashes: [{ alg: 'sha256', value: '00' }], licenses: l })),
  document: { bomFormat: 'CycloneDX', specVersion: '1.6' },
});
const slsa = (builder: string): ClaimContentLike => ({ ...empty, kind: 'intoto', predicateType: 'https://slsa.dev/provenance/v1', builder: { id: builder }, buildType: 'https://actions.github.io/buildtypes/workflow/v1', subjects: [{ name: 'app', digests: ['sha256:' + 'ab'.repeat(32)] }] });
const vex = (entries: [string, string][]): ClaimContentLike => ({
  ...empty,
  kind: 'openvex',
  vex: entries.map(([vulnerability, status]) => ({ vulnerability, aliases: [], product: { id: 'pkg:oci/app', purl: 'pkg:oci/app', digest: null }, status, justification: null })),
});
const act = (ct: string, c: ClaimContentLike | null) => claimActivation({ iss: 'https://vendor.example', sub: SUB, contentType: ct, hashEnvelope: false }, c);

/** The three documented examples (docs/policy.md#cel-rules). */
const EXAMPLES = [
  { name: 'no-denied-licences', when: 'claim.format in ["cyclonedx", "spdx"]', require: '!claim.components.exists(c, c.licenses.exists(l, l in ["GPL-3.0-only", "AGPL-3.0-only"]))', message: 'SBOM lists a component under a denied licence' },
  { name: 'slsa-from-our-builder', when: 'claim.predicateType.startsWith("https://slsa.dev/provenance/v1")', require: 'claim.builder.id == "https://ci.vendor.example/builder@v1"' },
  { name: 'no-affected-cves', when: 'claim.vex.size() > 0', require: '!claim.vex.exists(v, v.status == "affected" && v.vulnerability in ["CVE-2025-1234", "CVE-2025-5678"])' },
];

describe('CEL rules over the claim model', () => {
  const { compiled } = compileRules(EXAMPLES, 'rules');
  const failed = (a: ReturnType<typeof act>) => evaluateRules(compiled, a).filter((v) => !v.ok).map((v) => v.rule);

  it('refuses an SBOM with a component under a denied licence, admits one without', () => {
    assert.deepEqual(failed(act('application/vnd.cyclonedx+json', sbom([['MIT'], ['Apache-2.0', 'GPL-3.0-only']]))), ['no-denied-licences']);
    assert.deepEqual(failed(act('application/vnd.cyclonedx+json', sbom([['MIT'], ['Apache-2.0']]))), []);
    const v = evaluateRules(compiled, act('application/vnd.cyclonedx+json', sbom([['AGPL-3.0-only']])))[0]!;
    assert.match(v.reason!, /rule no-denied-licences \(SBOM lists a component under a denied licence\): .* is false/);
  });
  it('requires SLSA provenance from the given builder id', () => {
    assert.deepEqual(failed(act('application/vnd.in-toto+json', slsa('https://ci.vendor.example/builder@v1'))), []);
    assert.deepEqual(failed(act('application/vnd.in-toto+json', slsa('https://evil.example/builder'))), ['slsa-from-our-builder']);
  });
  it('requires that no VEX claim says affected for the listed CVEs', () => {
    assert.deepEqual(failed(act('application/openvex+json', vex([['CVE-2025-1234', 'not_affected'], ['CVE-2024-1', 'affected']]))), []);
    assert.deepEqual(failed(act('application/openvex+json', vex([['CVE-2025-5678', 'affected']]))), ['no-affected-cves']);
  });
  it('says nothing about claims the rule does not apply to (opaque content, other formats)', () => {
    const v = evaluateRules(compiled, act('text/plain', null));
    assert.ok(v.every((x) => x.ok && !x.applies));
  });
  it('statement fields: subject and its digest', () => {
    const { compiled: c } = compileRules([{ name: 's', require: 'statement.subjectDigest == "sha256:' + 'ab'.repeat(32) + '" && statement.issuer == claim.issuer' }], 'rules');
    assert.ok(evaluateRules(c, act('text/plain', null))[0]!.ok);
  });
  it('an evaluation error on a document fails closed with the error (use has() for optional fields)', () => {
    const { compiled: c } = compileRules([{ name: 'p', require: 'claim.payload.metadata.timestamp != ""' }, { name: 'q', require: '!has(claim.payload.metadata) || claim.payload.metadata.timestamp != ""' }], 'rules');
    const [p, q] = evaluateRules(c, act('application/vnd.cyclonedx+json', sbom([])));
    assert.equal(p!.ok, false);
    assert.equal(p!.error, 'evaluation');
    assert.match(p!.reason!, /rule p: couldn't evaluate require .*No such key: metadata/);
    assert.equal(q!.ok, true);
  });
  it('a hostile expression on a large document runs out of its budget instead of blocking the thread', () => {
    const { compiled: c } = compileRules([{ name: 'cubic', require: 'claim.components.all(a, claim.components.all(b, claim.components.all(x, a.name != "" || b.name != "" || x.name != "")))' }], 'rules');
    const big = act('application/vnd.cyclonedx+json', sbom(Array.from({ length: 2000 }, () => ['MIT'])));
    const t0 = performance.now();
    const [v] = evaluateRules(c, big, 100);
    const took = performance.now() - t0;
    assert.equal(v!.ok, false);
    assert.equal(v!.error, 'budget');
    assert.ok(took < 2000, `took ${took} ms`);
  });
});

describe('CEL rules are checked when the policy is loaded', () => {
  const bad = (rule: Record<string, unknown>) => assert.throws(() => compileRules([rule], 'rules'), RuleCompileError);
  it('a syntax error names the rule, the expression and the position', () => {
    assert.throws(() => compileRules([{ name: 'x', require: 'claim.kind == ' }], 'rules'), (e: Error) => {
      assert.match(e.message, /^rules\[0\]\.require \(rule x\): couldn't parse CEL expression "claim\.kind == " at line 1, column \d+: /);
      return true;
    });
  });
  it('an unknown field, an unknown variable, a type mismatch, a non-boolean result', () => {
    assert.throws(() => compileRules([{ name: 'x', require: 'true' }, { name: 'y', when: 'claim.components.exists(c, c.licence == "MIT")', require: 'true' }], 'rules'), /rules\[1\]\.when \(rule y\): couldn't type-check CEL expression .* at line 1, column 30: No such key: licence/);
    assert.throws(() => compileRules([{ name: 'x', require: 'clam.kind == "a"' }], 'rules'), /at line 1, column 1: Unknown variable: clam/);
    assert.throws(() => compileRules([{ name: 'x', require: 'claim.kind == 1' }], 'rules'), /type-check.*no such overload/);
    assert.throws(() => compileRules([{ name: 'x', require: 'claim.kind' }], 'rules'), /gives string, not bool/);
  });
  it('rule structure: names, fields, repeats, sizes', () => {
    bad({ name: 'x' });
    bad({ name: 'a b', require: 'true' });
    bad({ name: 'x', require: 'true', extra: 1 });
    bad({ name: 'x', require: 'x'.repeat(5000) });
    assert.throws(() => compileRules([{ name: 'x', require: 'true' }, { name: 'x', require: 'true' }], 'rules'), /repeats x/);
    assert.throws(() => compileRules([{ name: 'x', require: '[' + '['.repeat(200) + ']'.repeat(200) + ']' }], 'rules'), RuleCompileError);
  });
  it('multi-line expressions report the line', () => {
    assert.equal(positionOf('a\nbc\nd', 3), 'line 2, column 2');
    assert.throws(() => compileRules([{ name: 'x', require: 'claim.kind == "a" &&\n  claim.bogus' }], 'rules'), /at line 2, column 9: No such key: bogus/);
  });
  it('the registration policy refuses a bad rule with the position, and keeps its canonical form without rules', () => {
    assert.throws(() => parsePolicy({ version: 1, rules: [{ name: 'r', require: 'claim.issuer ==' }] }), (e: Error) => e instanceof PolicyError && /invalid registration policy: rules\[0\]\.require \(rule r\): couldn't parse CEL expression .* at line 1, column/.test(e.message));
    assert.equal('rules' in parsePolicy({ version: 1 }), false);
    assert.deepEqual(parsePolicy({ version: 1, rules: EXAMPLES }).rules, EXAMPLES);
  });
});
