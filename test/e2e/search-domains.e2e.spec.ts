/**
 * Search domains and the consumer policy's CEL rules, with real parts only: two docker-registry
 * instances, one OCI layout directory, the ledger (also a domain), a registry port nobody listens
 * on (the domain that is down), and the `scitt` binary as a child process.
 *
 * The vendor registers three claims about one collection at different times; the consumer's
 * `scitt sync` puts what the ledger knew at each moment into a different place (layout: 1 claim,
 * registry B: 2, registry A: 3). `scitt verify sha256:…` consults the domains in policy order,
 * merges by entry id, says where each claim was found, reports the down domain and fails only
 * when the policy marks it required. The policy's rules (the three documented examples) fail on
 * the claims that break them and pass with a policy they meet.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OciLayoutStore } from '../../libs/oci/src/index.js';
import { cliSandbox, runScitt, show } from '../../libs/cli/test/cli.runner.js';
import { FIXTURE_CONTENT_TYPE, fixtureBytes, fixtureJson, jsonBytes } from '../support/content-fixtures.js';
import { register, startLedger, type TestLedger } from '../support/ledger.js';
import { freePort } from '../support/ports.js';
import { pushTestCollection, type PushedCollection } from '../support/registry-collection.js';
import { registrySkip, startRegistry, type TestRegistry } from '../support/registry.js';
import { makeIssuer, signStatement, type TestIssuer } from '../support/statements.js';
import { EXAMPLE_RULES } from '../support/cel-examples.js';

const SLSA_BUILDER = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0';

describe('search domains: two registries, an OCI layout and a ledger, one domain down; consumer CEL rules', { skip: registrySkip() }, () => {
  let regA: TestRegistry;
  let regB: TestRegistry;
  let ledger: TestLedger;
  let vendor: TestIssuer;
  let col: PushedCollection;
  let digest: string;
  let downPort: number;
  const consumer = cliSandbox('scitt-domains-');
  const c = (n: string) => join(consumer.dir, n);
  const scitt = (...a: string[]) => runScitt(a, { env: consumer.env, cwd: consumer.dir });
  const ids: Record<string, string> = {};

  before(async () => {
    regA = await startRegistry();
    regB = await startRegistry();
    col = await pushTestCollection(regA.url, 'acme/app', { seed: 'domains' });
    const colB = await pushTestCollection(regB.url, 'prod/app', { seed: 'domains' });
    digest = col.descriptor.digest;
    assert.equal(colB.descriptor.digest, digest);
    const layout = await OciLayoutStore.open(c('mirror'));
    await layout.putBlob(col.config);
    await layout.putBlob(col.layer);
    await layout.putManifest(col.manifest, col.descriptor.mediaType);
    downPort = await freePort();
    vendor = await makeIssuer('https://vendor.example');
    ledger = await startLedger({ policy: { version: 1, mode: 'development', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }] }, env: { RATE_LIMIT_PER_MINUTE: '0' } });
    writeFileSync(c('vendor.jwk'), JSON.stringify(vendor.jwk));
    const t = await scitt('trust', 'fetch', ledger.url, '--name', 'acme-ledger');
    assert.equal(t.code, 0, show(t));
  });
  after(async () => {
    await ledger?.destroy();
    await regA?.dispose();
    await regB?.dispose();
  });

  const claim = async (name: string, ct: string, payload: Uint8Array): Promise<void> => {
    const res = await register(ledger.url, await signStatement(vendor, { sub: col.reference, contentType: ct, payload }));
    assert.equal(res.status, 201, `register ${name}`);
    await res.arrayBuffer();
    const page = (await (await fetch(`${ledger.url}/claims?subject=${digest}`)).json()) as { items: { entryId: string; contentType: string }[] };
    ids[name] = page.items.find((x) => !Object.values(ids).includes(x.entryId))!.entryId;
  };
  const sync = async (...target: string[]): Promise<void> => {
    const r = await scitt('sync', ...target, '--ledger', ledger.url, '-o', 'json');
    assert.equal(r.code, 0, show(r));
  };

  it('the vendor registers three claims over time; each sync puts what the ledger knew into another domain', async () => {
    const sbom = fixtureJson('cyclonedx-1.6-sbom.json');
    sbom.components[3].licenses = [{ license: { id: 'GPL-3.0-only' } }];
    await claim('sbom', FIXTURE_CONTENT_TYPE['cyclonedx-1.6-sbom.json'], jsonBytes(sbom));
    await sync(digest, '--oci-layout', c('mirror'));
    await claim('slsa', FIXTURE_CONTENT_TYPE['slsa-v1-provenance.intoto.json'], fixtureBytes('slsa-v1-provenance.intoto.json', digest));
    await sync(`${regB.host}/prod/app@${digest}`);
    await claim('vex', FIXTURE_CONTENT_TYPE['openvex-0.2.0.json'], fixtureBytes('openvex-0.2.0.json', digest));
    await sync(`${regA.host}/acme/app@${digest}`);
  });

  const policy = (name: string, o: { requiredDown?: boolean; rules?: unknown[]; ledgerDomain?: boolean } = {}): string => {
    const doc = {
      version: 1,
      issuers: [{ iss: vendor.iss, key: 'vendor.jwk' }],
      searchDomains: [
        { registry: `127.0.0.1:${downPort}/acme/app`, ...(o.requiredDown ? { required: true } : {}) },
        { registry: `${regB.host}/prod/app` },
        { ociLayout: 'mirror' },
        { registry: `${regA.host}/acme/app` },
        ...(o.ledgerDomain ? [{ ledger: ledger.url }] : []),
      ],
      ...(o.rules ? { rules: o.rules } : {}),
    };
    writeFileSync(c(name), JSON.stringify(doc, null, 2)); // JSON is YAML
    return c(name);
  };
  const lenient = EXAMPLE_RULES({ denied: ['AGPL-3.0-only'], builder: SLSA_BUILDER, cves: ['CVE-2099-0001'] });
  const strict = EXAMPLE_RULES({ denied: ['GPL-3.0-only'], builder: 'https://ci.vendor.example/builder@v1', cves: ['CVE-2023-5678'] });

  it('verify sha256:… consults the domains in order, merges by entry id, says where each claim was found; the down domain is reported, not fatal', async () => {
    const r = await scitt('verify', digest, '--policy', policy('lenient.yaml', { rules: lenient, ledgerDomain: true }), '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.domains.map((d: any) => [d.domain, d.reachable, d.claims]),
      [
        [`127.0.0.1:${downPort}/acme/app`, false, 0],
        [`${regB.host}/prod/app`, true, 2],
        [`oci-layout ${c('mirror')}`, true, 1],
        [`${regA.host}/acme/app`, true, 3],
        [`ledger ${ledger.url}`, true, 3],
      ],
    );
    assert.match(doc.domains[0].error, /127\.0\.0\.1/);
    const claims = doc.claims.filter((x: any) => x.kind === 'claim');
    assert.equal(claims.length, 3, 'deduplicated by entry id');
    const where = Object.fromEntries(claims.map((x: any) => [x.entryId, x.foundIn]));
    assert.deepEqual(where[ids.sbom!], [`${regB.host}/prod/app`, `oci-layout ${c('mirror')}`, `${regA.host}/acme/app`, `ledger ${ledger.url}`]);
    assert.deepEqual(where[ids.slsa!], [`${regB.host}/prod/app`, `${regA.host}/acme/app`, `ledger ${ledger.url}`]);
    assert.deepEqual(where[ids.vex!], [`${regA.host}/acme/app`, `ledger ${ledger.url}`]);
    assert.ok(doc.rules.every((x: any) => x.ok));
    assert.deepEqual(doc.rules.map((x: any) => x.rule).sort(), ['no-affected-cves', 'no-denied-licences', 'slsa-from-our-builder']);
    assert.match(r.stderr, new RegExp(`search domain 127\\.0\\.0\\.1:${downPort}/acme/app could not be reached, skipped`));
    const text = await scitt('verify', digest, '--policy', policy('lenient.yaml', { rules: lenient }));
    assert.equal(text.code, 0, show(text));
    assert.match(text.stdout, new RegExp(`DOWN search domain 127\\.0\\.0\\.1:${downPort}/acme/app \\(skipped\\): `));
    assert.match(text.stdout, new RegExp(`ok {3}search domain ${regB.host}/prod/app: 2 claim artifact\\(s\\)`));
    assert.match(text.stdout, new RegExp(`found in: ${regA.host}/acme/app\\n`));
    assert.match(text.stdout, /ok {3}rule no-denied-licences on [0-9a-f]{16}/);
  });

  it('a required domain that is down fails verification, naming it', async () => {
    const r = await scitt('verify', digest, '--policy', policy('required.yaml', { requiredDown: true }));
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`required search domain 127\\.0\\.0\\.1:${downPort}/acme/app could not be reached`));
  });

  it('the consumer rules fail on the claims that break them: denied licence, foreign builder, affected CVE', async () => {
    const r = await scitt('verify', digest, '--policy', policy('strict.yaml', { rules: strict }), '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const doc = JSON.parse(r.stdout);
    const failed = Object.fromEntries(doc.rules.filter((x: any) => !x.ok).map((x: any) => [x.rule, x.entryId]));
    assert.deepEqual(failed, { 'no-denied-licences': ids.sbom, 'slsa-from-our-builder': ids.slsa, 'no-affected-cves': ids.vex });
    assert.match(doc.failure, /^policy not met: .*strict\.yaml rule /);
    const text = await scitt('verify', digest, '--policy', c('strict.yaml'));
    assert.equal(text.code, 1);
    assert.match(text.stdout, /FAIL rule slsa-from-our-builder on [0-9a-f]{16}: rule slsa-from-our-builder: "claim\.builder\.id == \\"https:\/\/ci\.vendor\.example\/builder@v1\\"" is false/);
  });

  it('usage errors: a bare digest without search domains; a bad expression names its position (exit 2)', async () => {
    const bare = await scitt('verify', digest);
    assert.equal(bare.code, 2, show(bare));
    assert.match(bare.stderr, /a bare digest is looked up in search domains/);
    const bad = await scitt('verify', digest, '--policy', policy('bad.yaml', { rules: [{ name: 'oops', require: 'claim.vex.exists(v, v.status = "affected")' }] }));
    assert.equal(bad.code, 2, show(bad));
    assert.match(bad.stderr, /couldn't read consumer policy .*bad\.yaml: rules\[0\]\.require \(rule oops\): couldn't parse CEL expression .* at line 1, column \d+/);
  });
});
