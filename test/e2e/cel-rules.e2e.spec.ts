/**
 * The registration policy's CEL rules (docs/policy.md#cel-rules) over real HTTP against the app:
 * the three documented examples admit what they should and refuse what they should — 400 problem
 * details naming the rule, nothing appended — on the hand-made fixtures of test/fixtures/content.
 * A bad expression stops the service at start with the expression and its position.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_CONTENT_TYPE, FIXTURE_IMAGE_DIGEST, fixtureJson, jsonBytes, type ContentFixture } from '../support/content-fixtures.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, type TestIssuer } from '../support/statements.js';
import { EXAMPLE_RULES } from '../support/cel-examples.js';
import { cyclonedxSbom } from '../../libs/content/test/sbom.generator.js';
import { PolicyRulesCheck } from '../../src/entries/policy-rules.check.js';

const SUB = `registry.example/team/app@${FIXTURE_IMAGE_DIGEST}`;
const SLSA_BUILDER = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0';

describe('CEL rules in the registration policy (real HTTP)', () => {
  let ledger: TestLedger;
  let vendor: TestIssuer;

  before(async () => {
    vendor = await makeIssuer('https://ci.vendor.example');
    ledger = await startLedger({
      policy: { version: 1, mode: 'production', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }], rules: EXAMPLE_RULES({ denied: ['GPL-3.0-only', 'AGPL-3.0-only'], builder: SLSA_BUILDER, cves: ['CVE-2023-5678'] }) },
    });
  });
  after(async () => ledger?.destroy());

  const post = async (name: ContentFixture, doc: unknown, ct = FIXTURE_CONTENT_TYPE[name]): Promise<{ status: number; title?: string; detail?: string; code?: string }> => {
    const before = ledger.sequencer.size;
    const res = await register(ledger.url, await signStatement(vendor, { sub: SUB, contentType: ct, payload: jsonBytes(doc) }));
    if (res.status === 201) {
      await res.arrayBuffer();
      return { status: 201 };
    }
    const p = await problemOf(res);
    assert.equal(ledger.sequencer.size, before, 'nothing appended');
    return { status: res.status, ...p };
  };

  it('an SBOM without denied licences is admitted; one with a GPL-3.0-only component is refused naming the rule', async () => {
    assert.equal((await post('cyclonedx-1.6-sbom.json', fixtureJson('cyclonedx-1.6-sbom.json'))).status, 201);
    const doc = fixtureJson('cyclonedx-1.6-sbom.json');
    doc.components[7].licenses = [{ license: { id: 'GPL-3.0-only' } }];
    const r = await post('cyclonedx-1.6-sbom.json', doc);
    assert.equal(r.status, 400);
    assert.equal(r.title, 'Rejected');
    assert.equal(r.code, 'ERR_POLICY_RULE');
    assert.match(r.detail!, /rule no-denied-licences \(an SBOM must not list a component under a denied licence\)/);
    // SPDX packages are components too
    const spdx = fixtureJson('spdx-2.3-sbom.json');
    assert.deepEqual(await post('spdx-2.3-sbom.json', spdx), { status: 201 });
    spdx.packages[0].licenseConcluded = 'AGPL-3.0-only';
    assert.match((await post('spdx-2.3-sbom.json', spdx)).detail!, /rule no-denied-licences/);
  });

  it('SLSA provenance from the given builder is admitted; from another builder it is refused', async () => {
    const doc = fixtureJson('slsa-v1-provenance.intoto.json');
    assert.equal((await post('slsa-v1-provenance.intoto.json', doc)).status, 201);
    doc.predicate.runDetails.builder.id = 'https://evil.example/builder';
    const r = await post('slsa-v1-provenance.intoto.json', doc);
    assert.equal(r.status, 400);
    assert.equal(r.code, 'ERR_POLICY_RULE');
    assert.match(r.detail!, /rule slsa-from-our-builder: "claim\.builder\.id == .*" is false/);
  });

  it('VEX saying affected for a listed CVE is refused (OpenVEX and CycloneDX VEX); fixed is admitted', async () => {
    const open = fixtureJson('openvex-0.2.0.json');
    const r = await post('openvex-0.2.0.json', open);
    assert.equal(r.status, 400);
    assert.match(r.detail!, /rule no-affected-cves/);
    const cdx = await post('cyclonedx-1.6-vex.json', fixtureJson('cyclonedx-1.6-vex.json')); // analysis.state exploitable = affected
    assert.match(cdx.detail!, /rule no-affected-cves/);
    for (const s of open.statements) if (s.status === 'affected') Object.assign(s, { status: 'fixed' });
    assert.equal((await post('openvex-0.2.0.json', open)).status, 201);
  });

  it('a large SBOM (500 components, > 64 KiB) is judged on the rules thread, the same way', async () => {
    const rules = ledger.app.get(PolicyRulesCheck);
    const before = rules.counts.worker;
    const doc = cyclonedxSbom(500) as { components: { licenses?: unknown[] }[] };
    assert.ok(jsonBytes(doc).length > 64 * 1024);
    assert.equal((await post('cyclonedx-1.6-sbom.json', doc)).status, 201);
    doc.components[321]!.licenses = [{ expression: 'AGPL-3.0-only' }];
    const r = await post('cyclonedx-1.6-sbom.json', doc);
    assert.equal(r.code, 'ERR_POLICY_RULE');
    assert.match(r.detail!, /rule no-denied-licences/);
    assert.equal(rules.counts.worker, before + 2);
  });

  it('a claim no rule applies to (opaque content) is admitted', async () => {
    assert.equal((await post('cyclonedx-1.6-sbom.json', { claim: 'built by CI' }, 'application/json')).status, 201);
  });
});

describe('a bad CEL expression stops the service at start, naming the rule and the position', () => {
  for (const [rule, want] of [
    [{ name: 'broken', require: 'claim.kind == ' }, /invalid registration policy: rules\[0\]\.require \(rule broken\): couldn't parse CEL expression "claim\.kind == " at line 1, column \d+/],
    [{ name: 'typo', when: 'claim.fromat == "spdx"', require: 'true' }, /rules\[0\]\.when \(rule typo\): couldn't type-check CEL expression .* at line 1, column 7: No such key: fromat/],
    [{ name: 'not-bool', require: 'claim.components.size()' }, /gives int, not bool/],
  ] as const) {
    it(rule.name, async () => {
      await assert.rejects(startLedger({ policy: { version: 1, mode: 'development', rules: [rule] } }), (e: Error) => {
        assert.match(e.message, want);
        return true;
      });
    });
  }
});
