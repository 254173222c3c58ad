/**
 * Claims with content (#15) against the real service over HTTP: the hand-made CycloneDX 1.6,
 * SPDX 2.3, SLSA v1 and OpenVEX documents registered and indexed; malformed variants refused with
 * the field named and nothing appended; an in-toto subject mismatch refused (and admitted when the
 * policy turns the check off); `GET /components` finding a collection after promotion by digest,
 * and not after its SBOM is superseded; `GET /claims?predicateType|builder|vulnerability`; a
 * projection rebuild (`projections:rebuild`) answering every query identically.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { loadConfig } from '../../src/infrastructure/config.js';
import { rebuildProjections } from '../../src/projections/projections.rebuild.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { digestOf, makeIssuer, signStatement, type TestIssuer } from '../support/statements.js';
import { FIXTURE_CONTENT_TYPE, fixtureBytes, fixtureJson, jsonBytes, spdxJson, type ContentFixture } from '../support/content-fixtures.js';

const D = digestOf(0xa11ce);
const VENDOR_REF = `vendor.example/acme/app@${D}`;
const GOLDEN_REF = `golden.example/prod/app:v1@${D}`;
const OTHER = digestOf(0xb0b);
const SLSA = 'https://slsa.dev/provenance/v1';

describe('claims with content: parsing at registration, indexes, component and content queries', () => {
  let ledger: TestLedger;
  let vendor: TestIssuer;
  let builder: TestIssuer;
  const id: Record<string, string> = {};

  const json = async (path: string): Promise<any> => {
    const res = await fetch(`${ledger.url}${path}`);
    assert.equal(res.status, 200, `${path}: HTTP ${res.status} ${res.status >= 400 ? JSON.stringify(await problemOf(res)) : ''}`);
    return res.json();
  };
  const size = async (): Promise<number> => (await json('/log/stats')).treeSize;
  const reg = async (name: string, who: TestIssuer, sub: string, f: ContentFixture | { ct: string; payload: Uint8Array | string }): Promise<void> => {
    const [contentType, payload] = typeof f === 'string' ? [FIXTURE_CONTENT_TYPE[f], fixtureBytes(f, D)] : [f.ct, f.payload];
    const s = await signStatement(who, { sub, contentType, payload });
    const res = await register(ledger.url, s);
    assert.equal(res.status, 201, res.status >= 400 ? JSON.stringify(await problemOf(res)) : String(res.status));
    await res.arrayBuffer();
    id[name] = entryIdOf(toEntry(s).entry);
  };
  const refused = async (who: TestIssuer, sub: string, contentType: string, payload: Uint8Array, code: string, detail: RegExp): Promise<void> => {
    const before = await size();
    const res = await register(ledger.url, await signStatement(who, { sub, contentType, payload }));
    assert.equal(res.status, 400);
    const p = await problemOf(res);
    assert.equal(p.contentType, 'application/concise-problem-details+cbor');
    assert.equal(p.code, code, p.detail);
    assert.match(p.detail, detail);
    assert.equal(await size(), before, 'nothing appended');
  };

  before(async () => {
    vendor = await makeIssuer('https://vendor.example');
    builder = await makeIssuer('https://builder.example');
    ledger = await startLedger({
      policy: { version: 1, mode: 'production', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }, { iss: builder.iss, keys: [{ jwk: builder.jwk }] }] },
      env: { RATE_LIMIT_PER_MINUTE: '0' },
    });
  });
  after(async () => {
    await ledger?.destroy();
  });

  it('registers the five hand-made documents', async () => {
    await reg('sbom', vendor, VENDOR_REF, 'cyclonedx-1.6-sbom.json');
    await reg('spdx', vendor, `vendor.example/acme/other@${OTHER}`, { ct: 'application/spdx+json', payload: fixtureBytes('spdx-2.3-sbom.json', OTHER) });
    await reg('slsa', builder, VENDOR_REF, 'slsa-v1-provenance.intoto.json');
    await reg('openvex', vendor, VENDOR_REF, 'openvex-0.2.0.json');
    await reg('cdxvex', builder, VENDOR_REF, 'cyclonedx-1.6-vex.json');
  });

  it('refuses malformed documents of known types with the field named, appending nothing', async () => {
    const bad: [ContentFixture, (d: any) => void, string][] = [
      ['cyclonedx-1.6-sbom.json', (d) => (d.components[7].purl = 'lodash'), '/components/7/purl'],
      ['cyclonedx-1.6-sbom.json', (d) => (d.specVersion = '2.0'), '/specVersion'],
      ['spdx-2.3-sbom.json', (d) => delete d.packages[1].SPDXID, '/packages/1/SPDXID'],
      ['slsa-v1-provenance.intoto.json', (d) => delete d.predicate.runDetails.builder.id, '/predicate/runDetails/builder/id'],
      ['openvex-0.2.0.json', (d) => (d.statements[0].status = 'fixed-ish'), '/statements/0/status'],
      ['cyclonedx-1.6-vex.json', (d) => (d.vulnerabilities[0].affects[0].ref = 'ghost'), '/vulnerabilities/0/affects/0/ref'],
    ];
    for (const [f, mutate, field] of bad) {
      const doc = fixtureJson(f);
      mutate(doc);
      const payload = new TextEncoder().encode(JSON.stringify(doc).split('8a340b5fe4cfbc9885f6550ad08d26ed331f570c1afabe59efc3a5f0b2085623').join(D.slice(7)));
      await refused(vendor, VENDOR_REF, FIXTURE_CONTENT_TYPE[f], payload, 'ERR_CONTENT_MALFORMED', new RegExp(`: ${field.replace(/[/]/g, '\\/')}: `));
    }
    const dup = new TextDecoder().decode(fixtureBytes('cyclonedx-1.6-sbom.json', D)).replace('"purl": "pkg:npm/lodash@4.17.20"', '"purl": "pkg:npm/lodash@4.17.20", "purl": "pkg:npm/left-pad@1.0.0"');
    await refused(vendor, VENDOR_REF, 'application/vnd.cyclonedx+json', new TextEncoder().encode(dup), 'ERR_CONTENT_MALFORMED', /\/components\/0: the member "purl" appears twice/);
  });

  it('refuses an in-toto statement whose subjects do not include the statement subject digest', async () => {
    await refused(builder, `vendor.example/acme/app@${OTHER}`, 'application/vnd.in-toto+json', fixtureBytes('slsa-v1-provenance.intoto.json', D), 'ERR_CONTENT_SUBJECT_MISMATCH', new RegExp(`do not include the signed statement's subject digest ${OTHER}`));
    await refused(builder, 'vendor.example/acme/app:latest', 'application/vnd.in-toto+json', fixtureBytes('slsa-v1-provenance.intoto.json', D), 'ERR_CONTENT_SUBJECT_MISMATCH', /names no sha256 digest/);
  });

  it('GET /components finds the collection by exact purl and by all versions, with the claim, issuer and tree size', async () => {
    const exact = await json(`/components?purl=${encodeURIComponent('pkg:npm/lodash@4.17.20')}`);
    assert.equal(exact.query.match, 'version');
    assert.equal(exact.treeSize, await size());
    assert.deepEqual(exact.items.map((i: any) => [i.subjectDigest, i.entryId, i.issuer, i.purls]), [
      [OTHER, id.spdx, vendor.iss, ['pkg:npm/lodash@4.17.20']],
      [D, id.sbom, vendor.iss, ['pkg:npm/lodash@4.17.20']],
    ]);
    const all = await json('/components?purl=pkg:NPM/lodash');
    assert.equal(all.query.match, 'all-versions');
    assert.deepEqual(all.items.map((i: any) => i.entryId), [id.spdx, id.sbom], 'the SPDX SBOM of the other collection lists lodash too');
    assert.deepEqual((await json('/components?purl=pkg:npm/left-pad')).items, []);
    const nested = await json(`/components?purl=${encodeURIComponent('pkg:npm/regenerator-runtime@0.14.0')}`);
    assert.equal(nested.items.length, 1, 'nested components are indexed');
    const q = await json(`/components?purl=${encodeURIComponent('pkg:maven/com.google.guava/guava@32.1.2-jre?type=jar')}`);
    assert.deepEqual([q.query.match, q.items.map((i: any) => i.subjectDigest)], ['exact', [OTHER]]);
    const res = await fetch(`${ledger.url}/components?purl=lodash`);
    assert.equal(res.status, 400);
    assert.equal((await problemOf(res)).code, 'ERR_QUERY_PARAMETER');
  });

  it('after promotion by digest the component query names the collection under both references; a superseding SBOM replaces it', async () => {
    await reg('promoted', vendor, GOLDEN_REF, { ct: 'application/sarif+json', payload: '{"scan":"clean"}' });
    let page = await json(`/components?purl=${encodeURIComponent('pkg:npm/express@4.18.2')}`);
    assert.deepEqual(page.items.map((i: any) => [i.subjectDigest, i.entryId, i.references]), [[D, id.sbom, [`vendor.example/acme/app@${D}`, `golden.example/prod/app@${D}`]]]);
    // a newer SBOM by the same issuer about the same digest (registered under the golden reference) supersedes the first
    const next = fixtureJson('cyclonedx-1.6-sbom.json');
    Object.assign(next.components[0], { 'bom-ref': 'lodash', version: '4.17.21', purl: 'pkg:npm/lodash@4.17.21' });
    await reg('sbom2', vendor, GOLDEN_REF, { ct: 'application/vnd.cyclonedx+json', payload: jsonBytes(next) });
    // an SBOM of another kind (SPDX) by the same issuer does not supersede the CycloneDX one (kinds, #14)
    await reg('spdx2', vendor, GOLDEN_REF, { ct: 'application/spdx+json', payload: spdxJson('app 1.2.1', ['express@4.18.2']) });
    page = await json(`/components?purl=${encodeURIComponent('pkg:npm/lodash@4.17.20')}`);
    assert.deepEqual(page.items.map((i: any) => i.entryId), [id.spdx], 'the superseded CycloneDX SBOM is not current');
    page = await json('/components?purl=pkg:npm/lodash');
    assert.deepEqual(page.items.map((i: any) => [i.entryId, i.purls]), [[id.sbom2, ['pkg:npm/lodash@4.17.21']], [id.spdx, ['pkg:npm/lodash@4.17.20']]]);
    page = await json(`/components?purl=${encodeURIComponent('pkg:npm/express@4.18.2')}`);
    assert.deepEqual(page.items.map((i: any) => i.entryId), [id.spdx2, id.sbom2]);
    const p1 = await json(`/components?purl=${encodeURIComponent('pkg:npm/express@4.18.2')}&limit=1`);
    assert.equal(p1.items.length, 1);
    const p2 = await json(`/components?purl=${encodeURIComponent('pkg:npm/express@4.18.2')}&limit=1&cursor=${p1.next}`);
    assert.deepEqual([...p1.items, ...p2.items].map((i: any) => i.entryId), [id.spdx2, id.sbom2], 'cursor pagination');
    assert.equal(p2.treeSize, p1.treeSize, 'one snapshot across pages');
  });

  it('GET /claims by predicateType, builder and vulnerability (VEX status per product)', async () => {
    const slsa = await json(`/claims?subject=${encodeURIComponent(D)}&predicateType=${encodeURIComponent(SLSA)}`);
    assert.deepEqual(slsa.items.map((c: any) => c.entryId), [id.slsa]);
    assert.match(slsa.items[0].content.builderId, /slsa-github-generator/);
    assert.equal(slsa.treeSize, await size());
    const b = await json(`/claims?builder=${encodeURIComponent(slsa.items[0].content.builderId)}`);
    assert.deepEqual(b.items.map((c: any) => c.entryId), [id.slsa]);
    const cve = await json(`/claims?subject=${encodeURIComponent(D)}&vulnerability=CVE-2021-23337`);
    assert.deepEqual(cve.items.map((c: any) => c.entryId), [id.cdxvex, id.openvex]);
    const openvex = cve.items.find((c: any) => c.entryId === id.openvex);
    assert.deepEqual(openvex.vex.map((v: any) => [v.product.digest, v.status, v.justification, v.subcomponents]), [[D, 'not_affected', 'vulnerable_code_not_in_execute_path', ['pkg:npm/lodash@4.17.20']]]);
    const cdx = cve.items.find((c: any) => c.entryId === id.cdxvex);
    assert.deepEqual(cdx.vex.map((v: any) => [v.product.purl, v.status]), [['pkg:npm/lodash@4.17.20', 'not_affected'], [`pkg:oci/app@${D}`, 'not_affected']]);
    assert.deepEqual((await json('/claims?vulnerability=CVE-1999-0001')).items, []);
  });

  it('a projection rebuild gives identical answers', async () => {
    const queries = [
      '/components?purl=pkg:npm/lodash', `/components?purl=${encodeURIComponent('pkg:npm/express@4.18.2')}`, '/components?purl=pkg:deb/debian/openssl',
      `/claims?predicateType=${encodeURIComponent(SLSA)}`, '/claims?vulnerability=CVE-2023-5678', `/claims?subject=${encodeURIComponent(D)}&vulnerability=CVE-2021-23337`,
    ];
    const before = await Promise.all(queries.map(json));
    await ledger.close();
    const env = { DATA_DIR: ledger.dataDir, LOG_ID: 'test-log', SERVICE_ISSUER: 'https://ledger.test' };
    const report = await rebuildProjections(loadConfig(env), env);
    assert.deepEqual(report.projections.map((p) => p.name), ['claims', 'content']);
    ledger = await ledger.restart().catch(async () => startLedger({ dataDir: ledger.dataDir, policy: { version: 1, mode: 'production', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }, { iss: builder.iss, keys: [{ jwk: builder.jwk }] }] }, env: { RATE_LIMIT_PER_MINUTE: '0' } }));
    const afterRebuild = await Promise.all(queries.map(json));
    assert.deepEqual(afterRebuild, before);
  });
});
