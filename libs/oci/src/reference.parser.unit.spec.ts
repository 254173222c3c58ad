import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatReference, isCollectionSubject, parseCollectionReference, parseDigest, parseReference, referrersTag } from './index.js';

const HEX = 'a'.repeat(64);
const D = `sha256:${HEX}`;

describe('parseReference', () => {
  const ok: [string, object][] = [
    [`oci://registry.example/app@${D}`, { registry: 'registry.example', repository: 'app', digest: D }],
    [`registry.example:5000/team/app/sub@${D}`, { registry: 'registry.example:5000', repository: 'team/app/sub', digest: D }],
    [`localhost:5000/a.b_c__d-e---f@${D}`, { registry: 'localhost:5000', repository: 'a.b_c__d-e---f', digest: D }],
    [`127.0.0.1:5000/app:v1.2@${D}`, { registry: '127.0.0.1:5000', repository: 'app', tag: 'v1.2', digest: D }],
    ['[::1]:5000/app:latest', { registry: '[::1]:5000', repository: 'app', tag: 'latest' }],
    ['ghcr.io/org/app', { registry: 'ghcr.io', repository: 'org/app' }],
    [`r.example/app@sha512:${'b'.repeat(128)}`, { registry: 'r.example', repository: 'app', digest: `sha512:${'b'.repeat(128)}` }],
  ];
  for (const [input, want] of ok) {
    it(`accepts ${input.slice(0, 60)}`, () => {
      assert.deepEqual(parseReference(input), want);
      assert.equal(formatReference(parseReference(input)), input.replace(/^oci:\/\//, ''));
    });
  }
  const bad: [string, RegExp][] = [
    [`registry.example/App@${D}`, /bad repository/],
    [`registry.example/app@sha256:${HEX.toUpperCase()}`, /bad digest/],
    [`registry.example/app@sha256:${HEX.slice(1)}`, /bad digest/],
    [`registry.example/app@md5`, /bad digest/],
    [`app@${D}`, /host\[:port\]\/repository/],
    [`/app@${D}`, /host\[:port\]\/repository/],
    [`registry.example:99999/app@${D}`, /bad registry host/],
    [`-bad.example/app@${D}`, /bad registry host/],
    [`registry.example/app/@${D}`, /bad repository/],
    [`registry.example/a..b@${D}`, /bad repository/],
    [`registry.example/app:-tag`, /bad tag/],
    [`registry.example/app:${'t'.repeat(129)}`, /bad tag/],
    [`registry.example/ap p`, /whitespace/],
    [`r.example/${'a'.repeat(250)}`, /longer than 255/],
  ];
  for (const [input, why] of bad) {
    it(`rejects ${input.slice(0, 60)}`, () => {
      assert.throws(() => parseReference(input), (e: Error & { code?: string }) => e.code === 'ERR_OCI_REFERENCE_INVALID' && why.test(e.message) && /^couldn't parse OCI reference/.test(e.message));
    });
  }
  it('parseCollectionReference demands a digest', () => {
    assert.equal(parseCollectionReference(`r.example/app@${D}`).digest, D);
    assert.throws(() => parseCollectionReference('r.example/app:v1'), { code: 'ERR_OCI_REFERENCE_INVALID' });
  });
});

describe('isCollectionSubject (CWT sub names a collection)', () => {
  const table: [unknown, boolean][] = [
    [`oci://registry.example/app@${D}`, true],
    [`registry.example/app:v1@${D}`, true],
    ['registry.example/app:v1', false],
    ['https://example.com/artifact', false],
    ['pkg:npm/left-pad@1.3.0', false],
    [42, false],
    [undefined, false],
  ];
  for (const [sub, want] of table) it(`${String(sub).slice(0, 50)} → ${want}`, () => assert.equal(isCollectionSubject(sub), want));
});

describe('digests', () => {
  it('parses and validates', () => {
    assert.deepEqual(parseDigest(D), { algorithm: 'sha256', encoded: HEX });
    assert.deepEqual(parseDigest('multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8'), { algorithm: 'multihash+base58', encoded: 'QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8' });
    for (const bad of ['', 'sha256', ':abc', `SHA256:${HEX}`, `sha256:${HEX}0`, 'sha256:xyz']) {
      assert.throws(() => parseDigest(bad), { code: 'ERR_OCI_DIGEST_INVALID' }, bad);
    }
  });
  it('referrers tag is <alg>-<encoded>, truncated to 128 characters', () => {
    assert.equal(referrersTag(D), `sha256-${HEX}`);
    assert.equal(referrersTag(`sha512:${'c'.repeat(128)}`), `sha512-${'c'.repeat(121)}`);
    assert.equal(referrersTag(`sha512:${'c'.repeat(128)}`).length, 128);
  });
});
