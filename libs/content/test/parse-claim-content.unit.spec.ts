import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContentFormatError, ContentLimitError, parseClaimContent } from '../src/index.js';
import { ContentFixture, FIXTURE_CONTENT_TYPE, FIXTURE_IMAGE_DIGEST, fixtureBytes, fixtureJson, jsonBytes } from '../../../test/support/content-fixtures.js';

const parse = (f: ContentFixture) => parseClaimContent(FIXTURE_CONTENT_TYPE[f], fixtureBytes(f));

describe('parseClaimContent: the fixtures', () => {
  it('reads the CycloneDX 1.6 SBOM: 50 components, purls normalised, hashes, licences, metadata component', () => {
    const c = parse('cyclonedx-1.6-sbom.json');
    assert.equal(c.kind, 'cyclonedx');
    if (c.kind !== 'cyclonedx') return;
    assert.equal(c.specVersion, '1.6');
    assert.equal(c.components.length, 50);
    const lodash = c.components.find((x) => x.name === 'lodash')!;
    assert.deepEqual([lodash.purl, lodash.purlBase, lodash.version], ['pkg:npm/lodash@4.17.20', 'pkg:npm/lodash', '4.17.20']);
    assert.equal(lodash.hashes[0]!.alg, 'sha512');
    assert.deepEqual(lodash.licenses, ['MIT']);
    const nested = c.components.find((x) => x.name === 'regenerator-runtime')!;
    assert.equal(nested.pointer, '/components/48/components/0');
    assert.equal(c.components.find((x) => x.name === 'runtime')!.purlBase, 'pkg:npm/%40babel/runtime');
    assert.equal(c.metadataComponent?.name, 'registry.example/team/app');
    assert.deepEqual(c.vex, []);
    assert.equal((c.document as any).serialNumber, 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79');
  });

  it('reads the SPDX 2.3 SBOM: packages with purls from externalRefs, checksums, the described package', () => {
    const c = parse('spdx-2.3-sbom.json');
    assert.equal(c.kind, 'spdx');
    if (c.kind !== 'spdx') return;
    assert.deepEqual(c.components.map((x) => x.purlBase), ['pkg:oci/app', 'pkg:npm/lodash', 'pkg:deb/debian/openssl', 'pkg:maven/com.google.guava/guava']);
    assert.equal(c.components[2]!.purl, 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12');
    assert.deepEqual(c.components[0]!.hashes, [{ alg: 'sha256', value: FIXTURE_IMAGE_DIGEST.slice(7) }]);
    assert.deepEqual(c.components[2]!.licenses, ['Apache-2.0'], 'NOASSERTION is left out');
    assert.deepEqual(c.described.map((x) => x.name), ['app']);
  });

  it('reads the SLSA v1 provenance: subjects, predicate type, builder id, build type', () => {
    const c = parse('slsa-v1-provenance.intoto.json');
    assert.equal(c.kind, 'intoto');
    if (c.kind !== 'intoto') return;
    assert.deepEqual(c.subjects, [{ name: 'registry.example/team/app', digests: [FIXTURE_IMAGE_DIGEST] }]);
    assert.equal(c.predicateType, 'https://slsa.dev/provenance/v1');
    assert.match(c.builder!.id, /slsa-github-generator/);
    assert.equal(c.buildType, 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1');
    assert.equal(c.slsa?.invocationId, 'https://github.com/example/app/actions/runs/1234567890/attempts/1');
    assert.deepEqual(c.slsa?.resolvedDependencies[0]!.digests, ['gitcommit:7fd1a60b01f91b314f59955a4e4d4e80d8edf11d']);
  });

  it('reads the OpenVEX document: one entry per statement × product, digest from the OCI purl', () => {
    const c = parse('openvex-0.2.0.json');
    assert.equal(c.kind, 'openvex');
    assert.deepEqual(c.vex.map((v) => [v.vulnerability, v.status, v.justification, v.product.digest]), [
      ['CVE-2021-23337', 'not_affected', 'vulnerable_code_not_in_execute_path', FIXTURE_IMAGE_DIGEST],
      ['CVE-2023-5678', 'affected', null, FIXTURE_IMAGE_DIGEST],
      ['CVE-2024-29041', 'under_investigation', null, null],
    ]);
    assert.deepEqual(c.vex[0]!.subcomponents, ['pkg:npm/lodash@4.17.20']);
    assert.deepEqual(c.vex[0]!.aliases, ['GHSA-35jh-r3h4-6jhm']);
  });

  it('reads the CycloneDX VEX: affects refs resolved to (canonical: %3A → :) purls, states mapped to OpenVEX statuses', () => {
    const c = parse('cyclonedx-1.6-vex.json');
    assert.equal(c.kind, 'cyclonedx-vex');
    assert.deepEqual(c.vex.map((v) => [v.vulnerability, v.product.purl, v.status, v.sourceStatus, v.justification]), [
      ['CVE-2021-23337', 'pkg:npm/lodash@4.17.20', 'not_affected', 'not_affected', 'code_not_reachable'],
      ['CVE-2021-23337', `pkg:oci/app@${FIXTURE_IMAGE_DIGEST}`, 'not_affected', 'not_affected', 'code_not_reachable'],
      ['CVE-2023-5678', `pkg:oci/app@${FIXTURE_IMAGE_DIGEST}`, 'affected', 'exploitable', null],
    ]);
    assert.equal(c.vex[1]!.product.digest, FIXTURE_IMAGE_DIGEST);
  });

  it('an in-toto statement with an OpenVEX predicate fills vex', () => {
    const vex = fixtureJson('openvex-0.2.0.json');
    const st = { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: FIXTURE_IMAGE_DIGEST.slice(7) } }], predicateType: 'https://openvex.dev/ns/v0.2.0', predicate: vex };
    const c = parseClaimContent('application/vnd.in-toto+json', jsonBytes(st));
    assert.equal(c.kind, 'intoto');
    assert.equal(c.vex.length, 3);
    assert.equal(c.slsa === undefined || (c as any).slsa === null, true);
  });

  it('any other content type is opaque (the payload is not read)', () => {
    const c = parseClaimContent('application/octet-stream', new Uint8Array([0xff, 0x00]));
    assert.deepEqual([c.kind, c.components.length, c.document], ['opaque', 0, null]);
  });

  it('content types are matched on their essence: case and parameters ignored', () => {
    assert.equal(parseClaimContent('Application/VND.CycloneDX+JSON; version=1.6', fixtureBytes('cyclonedx-1.6-sbom.json')).kind, 'cyclonedx');
  });
});

/** Set (or with `undefined`, delete) the member at a JSON pointer. */
function mutate(doc: any, pointer: string, value: unknown): any {
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let o = doc;
  for (const k of keys.slice(0, -1)) o = o[k];
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return doc;
}

describe('parseClaimContent: malformed documents are refused, naming the field', () => {
  const cases: [ContentFixture, string, unknown, string][] = [
    ['cyclonedx-1.6-sbom.json', '/bomFormat', 'SPDX', '/bomFormat'],
    ['cyclonedx-1.6-sbom.json', '/specVersion', '1.3', '/specVersion'],
    ['cyclonedx-1.6-sbom.json', '/specVersion', undefined, '/specVersion'],
    ['cyclonedx-1.6-sbom.json', '/serialNumber', 'not-a-urn', '/serialNumber'],
    ['cyclonedx-1.6-sbom.json', '/components', {}, '/components'],
    ['cyclonedx-1.6-sbom.json', '/components/3/purl', 'npm/lodash', '/components/3/purl'],
    ['cyclonedx-1.6-sbom.json', '/components/3/purl', 42, '/components/3/purl'],
    ['cyclonedx-1.6-sbom.json', '/components/3/name', undefined, '/components/3/name'],
    ['cyclonedx-1.6-sbom.json', '/components/3/type', 'gadget', '/components/3/type'],
    ['cyclonedx-1.6-sbom.json', '/components/3/hashes/0/alg', 'SHA-999', '/components/3/hashes/0/alg'],
    ['cyclonedx-1.6-sbom.json', '/components/3/hashes/0/content', 'xyz', '/components/3/hashes/0/content'],
    ['cyclonedx-1.6-sbom.json', '/components/3/licenses/0/license', {}, '/components/3/licenses/0/license'],
    ['cyclonedx-1.6-sbom.json', '/components/48/components/0/purl', 'pkg:', '/components/48/components/0/purl'],
    ['cyclonedx-1.6-sbom.json', '/components/4/bom-ref', 'pkg:npm/lodash@4.17.20', '/components/4/bom-ref'],
    ['cyclonedx-1.6-sbom.json', '/metadata/component', 'app', '/metadata/component'],
    ['cyclonedx-1.6-vex.json', '/vulnerabilities/0/affects/0/ref', 'nowhere', '/vulnerabilities/0/affects/0/ref'],
    ['cyclonedx-1.6-vex.json', '/vulnerabilities/0/analysis/state', 'fine', '/vulnerabilities/0/analysis/state'],
    ['cyclonedx-1.6-vex.json', '/vulnerabilities/0/analysis/justification', 'because', '/vulnerabilities/0/analysis/justification'],
    ['cyclonedx-1.6-vex.json', '/vulnerabilities/0/id', undefined, '/vulnerabilities/0/id'],
    ['cyclonedx-1.6-vex.json', '/vulnerabilities/1/affects', [], '/vulnerabilities/1/affects'],
    ['spdx-2.3-sbom.json', '/spdxVersion', 'SPDX-2.2', '/spdxVersion'],
    ['spdx-2.3-sbom.json', '/dataLicense', 'MIT', '/dataLicense'],
    ['spdx-2.3-sbom.json', '/documentNamespace', undefined, '/documentNamespace'],
    ['spdx-2.3-sbom.json', '/creationInfo/creators', [], '/creationInfo/creators'],
    ['spdx-2.3-sbom.json', '/packages/1/SPDXID', 'SPDXRef-Package-app', '/packages/1/SPDXID'],
    ['spdx-2.3-sbom.json', '/packages/1/name', '', '/packages/1/name'],
    ['spdx-2.3-sbom.json', '/packages/1/downloadLocation', undefined, '/packages/1/downloadLocation'],
    ['spdx-2.3-sbom.json', '/packages/1/checksums/0/algorithm', 'SHA-1', '/packages/1/checksums/0/algorithm'],
    ['spdx-2.3-sbom.json', '/packages/1/checksums/0/checksumValue', 'abc', '/packages/1/checksums/0/checksumValue'],
    ['spdx-2.3-sbom.json', '/packages/1/externalRefs/0/referenceLocator', 'lodash', '/packages/1/externalRefs/0/referenceLocator'],
    ['spdx-2.3-sbom.json', '/packages/1/externalRefs/0/referenceCategory', 'PACKAGES', '/packages/1/externalRefs/0/referenceCategory'],
    ['slsa-v1-provenance.intoto.json', '/_type', 'https://in-toto.io/Statement/v0.1', '/_type'],
    ['slsa-v1-provenance.intoto.json', '/subject', [], '/subject'],
    ['slsa-v1-provenance.intoto.json', '/subject/0/digest', undefined, '/subject/0/digest'],
    ['slsa-v1-provenance.intoto.json', '/subject/0/digest', {}, '/subject/0/digest'],
    ['slsa-v1-provenance.intoto.json', '/subject/0/digest/sha256', 'abc', '/subject/0/digest/sha256'],
    ['slsa-v1-provenance.intoto.json', '/predicateType', undefined, '/predicateType'],
    ['slsa-v1-provenance.intoto.json', '/predicateType', 'not a uri', '/predicateType'],
    ['slsa-v1-provenance.intoto.json', '/predicate', [], '/predicate'],
    ['slsa-v1-provenance.intoto.json', '/predicate/runDetails/builder/id', undefined, '/predicate/runDetails/builder/id'],
    ['slsa-v1-provenance.intoto.json', '/predicate/buildDefinition/buildType', 7, '/predicate/buildDefinition/buildType'],
    ['slsa-v1-provenance.intoto.json', '/predicate/buildDefinition/externalParameters', undefined, '/predicate/buildDefinition/externalParameters'],
    ['slsa-v1-provenance.intoto.json', '/predicate/buildDefinition/resolvedDependencies/0/digest/gitCommit', 5, '/predicate/buildDefinition/resolvedDependencies/0/digest/gitCommit'],
    ['openvex-0.2.0.json', '/@context', 'https://openvex.dev/ns/v0.1.0', '/@context'],
    ['openvex-0.2.0.json', '/author', undefined, '/author'],
    ['openvex-0.2.0.json', '/version', 0, '/version'],
    ['openvex-0.2.0.json', '/timestamp', 'yesterday', '/timestamp'],
    ['openvex-0.2.0.json', '/statements', [], '/statements'],
    ['openvex-0.2.0.json', '/statements/0/status', 'fine', '/statements/0/status'],
    ['openvex-0.2.0.json', '/statements/0/vulnerability/name', undefined, '/statements/0/vulnerability/name'],
    ['openvex-0.2.0.json', '/statements/0/justification', 'trust_me', '/statements/0/justification'],
    ['openvex-0.2.0.json', '/statements/1/action_statement', undefined, '/statements/1/action_statement'],
    ['openvex-0.2.0.json', '/statements/0/products/0/@id', 'pkg:', '/statements/0/products/0/@id'],
    ['openvex-0.2.0.json', '/statements/0/products/0/subcomponents/0/@id', 'pkg:npm', '/statements/0/products/0/subcomponents/0/@id'],
    ['openvex-0.2.0.json', '/statements/2/products', [], '/statements/2/products'],
  ];
  for (const [fixture, pointer, value, field] of cases) {
    it(`${fixture} with ${pointer} = ${value === undefined ? '(absent)' : JSON.stringify(value)} → ${field}`, () => {
      const doc = mutate(fixtureJson(fixture), pointer, value);
      assert.throws(() => parseClaimContent(FIXTURE_CONTENT_TYPE[fixture], jsonBytes(doc)), (e: unknown) => {
        assert.ok(e instanceof ContentFormatError, `ContentFormatError, got ${String(e)}`);
        assert.equal(e.code, 'ERR_CONTENT_MALFORMED');
        assert.equal(e.field, field);
        assert.ok(e.message.startsWith("couldn't parse the "), e.message);
        return true;
      });
    });
  }

  it('a not_affected statement without justification is valid with an impact_statement, refused without', () => {
    const doc = mutate(fixtureJson('openvex-0.2.0.json'), '/statements/0/justification', undefined);
    assert.equal(parseClaimContent('application/openvex+json', jsonBytes(doc)).vex[0]!.justification, null);
    mutate(doc, '/statements/0/impact_statement', undefined);
    assert.throws(() => parseClaimContent('application/openvex+json', jsonBytes(doc)), { field: '/statements/0/justification' });
  });
});

describe('parseClaimContent: one document, one reading', () => {
  const sbom = new TextDecoder().decode(fixtureBytes('cyclonedx-1.6-sbom.json'));
  const type = 'application/vnd.cyclonedx+json';
  const enc = (s: string) => new TextEncoder().encode(s);

  it('refuses a duplicate member (JSON.parse would keep the last purl), naming where', () => {
    const text = sbom.replace('"purl": "pkg:npm/lodash@4.17.20"', '"purl": "pkg:npm/lodash@4.17.20", "purl": "pkg:npm/lodash@4.17.21"');
    assert.throws(() => parseClaimContent(type, enc(text)), (e: any) => e instanceof ContentFormatError && e.field === '/components/0' && /"purl" appears twice/.test(e.message));
  });
  it('refuses escaped-equivalent duplicate names (\\u0070url = purl)', () => {
    const text = sbom.replace('"purl": "pkg:npm/lodash@4.17.20"', '"purl": "pkg:npm/lodash@4.17.20", "\\u0070url": "pkg:npm/x@1"');
    assert.throws(() => parseClaimContent(type, enc(text)), { code: 'ERR_CONTENT_MALFORMED', field: '/components/0' });
  });
  it('refuses a byte-order mark, invalid UTF-8, trailing garbage, a non-object top level', () => {
    const bad = [new Uint8Array([0xef, 0xbb, 0xbf, ...enc(sbom)]), new Uint8Array([...enc(sbom.slice(0, -2)), 0xc3, 0x28, 0x7d]), enc(sbom + 'x'), enc('[]'), enc('')];
    for (const b of bad) assert.throws(() => parseClaimContent(type, b), { code: 'ERR_CONTENT_MALFORMED', field: '' });
  });
  it('normalises spellings: pkg:NPM/… and pkg:npm/… index the same; SHA-256 and SHA256 are sha256', () => {
    const doc = mutate(fixtureJson('cyclonedx-1.6-sbom.json'), '/components/0/purl', 'pkg:NPM/lodash@4.17.20');
    assert.equal(parseClaimContent(type, jsonBytes(doc)).components[0]!.purl, 'pkg:npm/lodash@4.17.20');
  });
});

describe('parseClaimContent: bounded', () => {
  const type = 'application/vnd.cyclonedx+json';
  it('refuses nesting deeper than maxDepth before walking it', () => {
    const doc = fixtureJson('cyclonedx-1.6-sbom.json');
    let deep: any = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    doc.metadata.properties = deep;
    assert.throws(() => parseClaimContent(type, jsonBytes(doc)), (e: any) => e instanceof ContentLimitError && e.limit === 'maxDepth');
    assert.equal(parseClaimContent(type, jsonBytes(doc), { maxDepth: 200 }).kind, 'cyclonedx');
  });
  it('counts nested components against maxComponents', () => {
    assert.throws(() => parseClaimContent(type, fixtureBytes('cyclonedx-1.6-sbom.json'), { maxComponents: 49 }), (e: any) => e instanceof ContentLimitError && e.limit === 'maxComponents' && e.code === 'ERR_CONTENT_LIMIT');
    assert.equal(parseClaimContent(type, fixtureBytes('cyclonedx-1.6-sbom.json'), { maxComponents: 50 }).components.length, 50);
  });
  it('refuses more bytes than maxBytes, and too many subjects or VEX entries', () => {
    assert.throws(() => parseClaimContent(type, fixtureBytes('cyclonedx-1.6-sbom.json'), { maxBytes: 1000 }), { limit: 'maxBytes' });
    assert.throws(() => parseClaimContent('application/openvex+json', fixtureBytes('openvex-0.2.0.json'), { maxVexEntries: 2 }), { limit: 'maxVexEntries' });
    const st = fixtureJson('slsa-v1-provenance.intoto.json');
    st.subject = [st.subject[0], st.subject[0], st.subject[0]];
    assert.throws(() => parseClaimContent('application/vnd.in-toto+json', jsonBytes(st), { maxSubjects: 2 }), { limit: 'maxSubjects', field: '/subject' });
  });
});
