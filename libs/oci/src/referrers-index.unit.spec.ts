import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from './keyed.mutex.js';
import { MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST, mergeReferrersIndex, referrerDescriptor, referrersFromIndex, sha256Digest, type Descriptor } from './index.js';

const d = (n: number, artifactType = 'application/scitt-receipt+cose'): Descriptor => ({
  mediaType: MEDIA_TYPE_OCI_MANIFEST,
  artifactType,
  digest: sha256Digest(new Uint8Array([n])),
  size: 100 + n,
});
const indexOf = (manifests: unknown[], extra: object = {}): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests, ...extra }));
const digests = (bytes: Uint8Array): string[] => referrersFromIndex(bytes).map((x) => x.digest);

describe('mergeReferrersIndex', () => {
  it('creates an index when there is none', () => {
    const m = mergeReferrersIndex(undefined, [d(1)]);
    assert.equal(m.changed, true);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(m.bytes)), { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [d(1)] });
  });
  it('appends after existing entries, keeping foreign ones as they are (unknown fields, annotations)', () => {
    const foreign = { ...d(7, 'application/vnd.dev.cosign.artifact.sig.v1+json'), annotations: { a: 'b' }, 'x-extra': true };
    const m = mergeReferrersIndex(indexOf([foreign], { annotations: { 'com.example': 'kept' } }), [d(1)]);
    const parsed = JSON.parse(new TextDecoder().decode(m.bytes));
    assert.deepEqual(parsed.manifests, [foreign, d(1)]);
    assert.deepEqual(parsed.annotations, { 'com.example': 'kept' });
  });
  it('is a no-op when ours is already listed', () => {
    const existing = indexOf([d(1), d(2)]);
    const m = mergeReferrersIndex(existing, [d(2)]);
    assert.equal(m.changed, false);
    assert.deepEqual(digests(m.bytes), [d(1).digest, d(2).digest]);
  });
  it('drops duplicate digests (first wins) and says it changed', () => {
    const m = mergeReferrersIndex(indexOf([d(1), d(2), { ...d(1), size: 999 }]), [d(2)]);
    assert.equal(m.changed, true);
    assert.deepEqual(m.manifests.map((x) => [x.digest, x.size]), [[d(1).digest, 101], [d(2).digest, 102]]);
  });
  it('adds several at once, once each', () => {
    const m = mergeReferrersIndex(indexOf([d(1)]), [d(2), d(3), d(2), d(1)]);
    assert.deepEqual(digests(m.bytes), [d(1), d(2), d(3)].map((x) => x.digest));
  });
  it('rejects a malformed existing index', () => {
    assert.throws(() => mergeReferrersIndex(new TextEncoder().encode('not json'), [d(1)]), { code: 'ERR_OCI_MANIFEST_INVALID' });
    assert.throws(() => mergeReferrersIndex(indexOf([{ digest: 'x' }]), [d(1)]), { code: 'ERR_OCI_MANIFEST_INVALID' });
    assert.throws(() => mergeReferrersIndex(new TextEncoder().encode('{"manifests":{}}'), [d(1)]), { code: 'ERR_OCI_MANIFEST_INVALID' });
  });
  it('filters by artifact type', () => {
    const bytes = indexOf([d(1), d(2, 'application/other'), d(3)]);
    assert.deepEqual(referrersFromIndex(bytes, 'application/other').map((x) => x.digest), [d(2).digest]);
  });
});

describe('referrerDescriptor', () => {
  it('takes artifactType, else the non-empty config type; undefined without subject', () => {
    const subject = { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest: d(9).digest, size: 1 };
    const withType = new TextEncoder().encode(JSON.stringify({ mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType: 'a/b', config: { mediaType: 'application/vnd.oci.empty.v1+json' }, subject, annotations: { k: 'v' } }));
    assert.deepEqual(referrerDescriptor(withType, sha256Digest(withType)), {
      subject: subject.digest,
      descriptor: { mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType: 'a/b', digest: sha256Digest(withType), size: withType.length, annotations: { k: 'v' } },
    });
    const configTyped = new TextEncoder().encode(JSON.stringify({ mediaType: MEDIA_TYPE_OCI_MANIFEST, config: { mediaType: 'application/vnd.example.sbom' }, subject }));
    assert.equal(referrerDescriptor(configTyped, sha256Digest(configTyped))?.descriptor.artifactType, 'application/vnd.example.sbom');
    const plain = new TextEncoder().encode(JSON.stringify({ mediaType: MEDIA_TYPE_OCI_MANIFEST }));
    assert.equal(referrerDescriptor(plain, sha256Digest(plain)), undefined);
  });
});

describe('KeyedMutex', () => {
  it('runs holders of one key one at a time, in order, and releases after a failure', async () => {
    const m = new KeyedMutex();
    const events: string[] = [];
    const job = (key: string, name: string, fail = false) =>
      m.run(key, async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 5));
        events.push(`${name}-`);
        if (fail) throw new Error(name);
      });
    const results = await Promise.allSettled([job('k', 'a'), job('k', 'b', true), job('k', 'c'), job('other', 'x')]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const k = events.filter((e) => !e.startsWith('x'));
    assert.deepEqual(k, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    assert.ok(events.indexOf('x+') < events.indexOf('a-'), 'other keys run in parallel');
    assert.equal(m.size, 0, 'no leftover keys');
  });
});
