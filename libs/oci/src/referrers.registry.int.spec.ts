import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { registrySkip, startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { pushTestCollection } from '../../../test/support/registry-collection.js';
import { sampleArtifact } from '../../../test/support/registry-fixtures.js';
import {
  ANNOTATION_ENTRY_ID,
  ARTIFACT_TYPE_SCITT_REVOCATION,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_SCITT_RECEIPT,
  RegistryClient,
  RegistryReferrerTarget,
  referrersTag,
  sha256Digest,
} from './index.js';

const skip = registrySkip();

async function tags(reg: TestRegistry, repo: string): Promise<string[]> {
  const res = await fetch(`${reg.url}/v2/${repo}/tags/list`);
  return ((await res.json()) as { tags: string[] }).tags.sort();
}

describe('referrers on docker-registry 2.8 (tag-schema fallback)', { skip }, () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry();
  });
  after(async () => reg?.dispose());

  it('pushes a receipt artifact by digest and lists it from the sha256-<hex> index with artifactType and annotations', async () => {
    const client = new RegistryClient({ registry: reg.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const c = await pushTestCollection(reg.url, 'app/one', { tag: 'v1' });
    const a = sampleArtifact(c.descriptor, 1);
    const pushed = await refs.pushReferrer({ registry: client.registry, repository: 'app/one' }, a);
    assert.equal(pushed.via, 'tag');
    assert.equal(pushed.digest, a.digest);
    assert.equal(refs.knownSupport({ registry: client.registry, repository: 'app/one' }), 'tag', 'detection cached per repository');
    // The artifact itself is untagged: only the collection tag and the referrers tag exist.
    assert.deepEqual(await tags(reg, 'app/one'), ['sha256-' + c.descriptor.digest.slice(7), 'v1'].sort());
    const listed = await refs.listReferrers({ registry: client.registry, repository: 'app/one' }, c.descriptor.digest);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.digest, a.digest);
    assert.equal(listed[0]!.mediaType, MEDIA_TYPE_OCI_MANIFEST);
    assert.equal(listed[0]!.artifactType, MEDIA_TYPE_SCITT_RECEIPT);
    assert.equal(listed[0]!.size, a.manifest.length);
    assert.deepEqual(listed[0]!.annotations, a.descriptor.annotations);
    assert.ok(listed[0]!.annotations?.[ANNOTATION_ENTRY_ID]);
    // The registry stored exactly our manifest bytes; its layers are fetchable.
    const back = await client.getManifest('app/one', a.digest);
    assert.deepEqual(back.bytes, a.manifest);
    for (const b of a.blobs) assert.deepEqual(await client.getBlob('app/one', b.descriptor.digest), b.bytes);
    // The index is an OCI index under the tag (what tag-schema tools read).
    const idx = await client.getManifest('app/one', referrersTag(c.descriptor.digest));
    assert.equal(idx.descriptor.mediaType, MEDIA_TYPE_OCI_INDEX);
    assert.equal(idx.descriptor.digest, pushed.indexDigest);
  });

  it('is idempotent: pushing the same artifact again leaves the index unchanged', async () => {
    const client = new RegistryClient({ registry: reg.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const c = await pushTestCollection(reg.url, 'app/idem');
    const a = sampleArtifact(c.descriptor, 2);
    const first = await refs.pushReferrer({ registry: client.registry, repository: 'app/idem' }, a);
    const second = await new RegistryReferrerTarget().pushReferrer({ registry: reg.host, repository: 'app/idem' }, sampleArtifact(c.descriptor, 2));
    assert.equal(second.digest, first.digest, 'deterministic artifact ⇒ same digest');
    assert.equal(second.indexDigest, first.indexDigest);
    assert.equal((await refs.listReferrers({ registry: client.registry, repository: 'app/idem' }, c.descriptor.digest)).length, 1);
  });

  it('keeps entries other tools put in the index (and drops duplicate digests)', async () => {
    const client = new RegistryClient({ registry: reg.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const c = await pushTestCollection(reg.url, 'app/foreign');
    const sig = await pushTestCollection(reg.url, 'app/foreign'); // any manifest stands in for a signature
    const foreign = {
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      digest: sig.descriptor.digest,
      size: sig.descriptor.size,
      annotations: { 'dev.sigstore.cosign/signature': 'MEUCIQ…' },
      'x-unknown-field': 'kept as is',
    };
    const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [foreign, foreign] }));
    await client.putManifest('app/foreign', referrersTag(c.descriptor.digest), index, MEDIA_TYPE_OCI_INDEX);
    const a = sampleArtifact(c.descriptor, 3);
    await refs.pushReferrer({ registry: client.registry, repository: 'app/foreign' }, a);
    const raw = JSON.parse(new TextDecoder().decode((await client.getManifest('app/foreign', referrersTag(c.descriptor.digest))).bytes)) as { manifests: Record<string, unknown>[] };
    assert.equal(raw.manifests.length, 2);
    assert.deepEqual(raw.manifests[0], foreign, 'foreign entry survives byte-for-byte, first');
    assert.equal(raw.manifests[1]!.digest, a.digest);
    const onlyOurs = await refs.listReferrers({ registry: client.registry, repository: 'app/foreign' }, c.descriptor.digest, { artifactType: MEDIA_TYPE_SCITT_RECEIPT });
    assert.deepEqual(onlyOurs.map((d) => d.digest), [a.digest]);
  });

  it('lists all of 20 concurrent pushReferrer calls for one subject', async () => {
    const target = new RegistryReferrerTarget();
    const repo = { registry: reg.host, repository: 'app/many' };
    const c = await pushTestCollection(reg.url, 'app/many');
    const artifacts = Array.from({ length: 20 }, (_, i) => sampleArtifact(c.descriptor, 100 + i));
    await Promise.all(artifacts.map((a) => target.pushReferrer(repo, a)));
    const listed = await target.listReferrers(repo, c.descriptor.digest);
    assert.deepEqual(new Set(listed.map((d) => d.digest)), new Set(artifacts.map((a) => a.digest)));
    assert.equal(listed.length, 20);
  });

  it('pushReferrers: many artifacts of one subject, one index update; a failing artifact fails alone', async () => {
    const c = await pushTestCollection(reg.url, 'app/batch');
    const tagPath = `/v2/app/batch/manifests/${referrersTag(c.descriptor.digest)}`;
    let indexPuts = 0;
    const counting: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (init?.method === 'PUT' && url.pathname === tagPath) indexPuts++;
      return fetch(input, init);
    };
    const refs = RegistryReferrerTarget.forClient(new RegistryClient({ registry: reg.host, fetch: counting }));
    const repo = { registry: reg.host, repository: 'app/batch' };
    const good = Array.from({ length: 12 }, (_, i) => sampleArtifact(c.descriptor, 200 + i));
    // one artifact whose blob is not what its descriptor says: the registry refuses that upload
    const bad = sampleArtifact(c.descriptor, 299);
    const broken = { ...bad, blobs: bad.blobs.map((b, i) => (i === bad.blobs.length - 1 ? { ...b, bytes: new TextEncoder().encode('not the blob the digest names') } : b)) };
    const results = await refs.pushReferrers(repo, [...good.slice(0, 6), broken, ...good.slice(6)], { parallel: 4 });
    assert.equal(results.length, 13);
    assert.ok(results[6] instanceof Error, 'the broken artifact failed');
    const ok = results.filter((r) => !(r instanceof Error));
    assert.equal(ok.length, 12);
    for (const r of ok) assert.equal((r as { via: string }).via, 'tag');
    assert.equal(indexPuts, 1, 'one index update for the batch');
    const listed = await refs.listReferrers(repo, c.descriptor.digest);
    assert.deepEqual(new Set(listed.map((d) => d.digest)), new Set(good.map((a) => a.digest)));
    // again: nothing to write (already listed), same answers
    const again = await refs.pushReferrers(repo, good);
    assert.ok(again.every((r) => !(r instanceof Error)));
    assert.equal(indexPuts, 1, 'an index that lists them all is not written again');
    await assert.rejects(refs.pushReferrers(repo, [good[0]!, sampleArtifact((await pushTestCollection(reg.url, 'app/batch')).descriptor, 1)]), RangeError, 'one subject per batch');
  });

  it('re-reads after writing and retries when another writer overwrote the index (failure injection)', async () => {
    const c = await pushTestCollection(reg.url, 'app/race');
    const tagPath = `/v2/app/race/manifests/${referrersTag(c.descriptor.digest)}`;
    let clobbered = 0;
    // A real second writer that replaces the index right after our first write (as another process would).
    const racingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (init?.method === 'PUT' && url.pathname === tagPath && clobbered === 0) {
        clobbered++;
        const other = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [] }));
        const r = await fetch(url, { method: 'PUT', headers: { 'content-type': MEDIA_TYPE_OCI_INDEX }, body: other });
        await r.arrayBuffer();
      }
      return res;
    };
    const client = new RegistryClient({ registry: reg.host, fetch: racingFetch });
    const refs = RegistryReferrerTarget.forClient(client);
    const a = sampleArtifact(c.descriptor, 4);
    await refs.pushReferrer({ registry: client.registry, repository: 'app/race' }, a);
    assert.equal(clobbered, 1);
    assert.deepEqual((await refs.listReferrers({ registry: client.registry, repository: 'app/race' }, c.descriptor.digest)).map((d) => d.digest), [a.digest]);
  });

  it('gives up with ERR_OCI_INDEX_CONFLICT when every write is overwritten', async () => {
    const c = await pushTestCollection(reg.url, 'app/lost');
    const tagPath = `/v2/app/lost/manifests/${referrersTag(c.descriptor.digest)}`;
    const hostile: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(String(input));
      if (init?.method === 'PUT' && url.pathname === tagPath) {
        const other = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [] }));
        await (await fetch(url, { method: 'PUT', headers: { 'content-type': MEDIA_TYPE_OCI_INDEX }, body: other })).arrayBuffer();
      }
      return res;
    };
    const target = new RegistryReferrerTarget({ fetch: hostile, index: { maxAttempts: 3, backoffMs: 1 } });
    const a = sampleArtifact(c.descriptor, 5);
    // 2.8 refuses an index naming a manifest it lacks: put the artifact first with a plain client.
    const plain = new RegistryClient({ registry: reg.host });
    for (const b of a.blobs) await plain.pushBlob('app/lost', b.bytes);
    await plain.putManifest('app/lost', a.digest, a.manifest, a.descriptor.mediaType);
    await assert.rejects(target.addToReferrersIndex({ registry: reg.host, repository: 'app/lost' }, c.descriptor.digest, [a.descriptor]), { code: 'ERR_OCI_INDEX_CONFLICT' });
  });

  it('honours the mode override: tag always works here, api fails loudly on 2.8', async () => {
    const c = await pushTestCollection(reg.url, 'app/mode');
    const a = sampleArtifact(c.descriptor, 6, ARTIFACT_TYPE_SCITT_REVOCATION);
    const repo = { registry: reg.host, repository: 'app/mode' };
    const tag = new RegistryReferrerTarget({ referrersMode: 'tag' });
    assert.equal((await tag.pushReferrer(repo, a)).via, 'tag');
    assert.deepEqual((await tag.listReferrers(repo, c.descriptor.digest, { artifactType: ARTIFACT_TYPE_SCITT_REVOCATION })).map((d) => d.digest), [a.digest]);
    assert.equal(tag.knownSupport(repo), undefined, 'no probing in tag mode');
    const api = new RegistryReferrerTarget({ perRegistry: { [reg.host]: { referrersMode: 'api' } } });
    await assert.rejects(api.listReferrers(repo, c.descriptor.digest), { code: 'ERR_OCI_NOT_FOUND' });
  });

  it('returns no referrers for a subject without any', async () => {
    const client = new RegistryClient({ registry: reg.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const digest = sha256Digest(new TextEncoder().encode('nothing refers to me'));
    assert.deepEqual(await refs.listReferrers({ registry: client.registry, repository: 'app/one' }, digest), []);
  });

  it('RegistryReferrerTarget routes by registry host', async () => {
    const target = new RegistryReferrerTarget();
    const c = await pushTestCollection(reg.url, 'app/target');
    const a = sampleArtifact(c.descriptor, 7);
    await target.pushReferrer({ registry: reg.host, repository: 'app/target' }, a);
    assert.deepEqual((await target.listReferrers({ registry: reg.host, repository: 'app/target' }, c.descriptor.digest)).map((d) => d.digest), [a.digest]);
    assert.equal(target.client(reg.host), target.client(reg.host));
  });
});
