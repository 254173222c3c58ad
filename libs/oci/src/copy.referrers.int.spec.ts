import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { registrySkip, startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { pushTestCollection } from '../../../test/support/registry-collection.js';
import { sampleArtifact } from '../../../test/support/registry-fixtures.js';
import {
  ARTIFACT_TYPE_SCITT_REVOCATION,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_SCITT_RECEIPT,
  RegistryClient,
  RegistryReferrerTarget,
  copyWithReferrers,
  referrersTag,
  sha256Digest,
  type Descriptor,
} from './index.js';

const skip = registrySkip();

describe('copyWithReferrers between two docker-registry instances', { skip }, () => {
  let regA: TestRegistry;
  let regB: TestRegistry;
  before(async () => {
    [regA, regB] = await Promise.all([startRegistry(), startRegistry()]);
  });
  after(async () => {
    await regA?.dispose();
    await regB?.dispose();
  });

  it('carries the collection, its receipts, a revocation, a referrer of a referrer, and rebuilds the tag index', async () => {
    const a = new RegistryClient({ registry: regA.host });
    const aRefs = RegistryReferrerTarget.forClient(a);
    const b = new RegistryClient({ registry: regB.host });
    const bRefs = RegistryReferrerTarget.forClient(b);
    const c = await pushTestCollection(regA.url, 'src/app', { tag: 'v1' });
    const r1 = sampleArtifact(c.descriptor, 1);
    const r2 = sampleArtifact(c.descriptor, 2, ARTIFACT_TYPE_SCITT_REVOCATION);
    await aRefs.pushReferrer({ registry: a.registry, repository: 'src/app' }, r1);
    await aRefs.pushReferrer({ registry: a.registry, repository: 'src/app' }, r2);
    // A referrer of the receipt manifest itself (e.g. a countersignature).
    const nested = sampleArtifact(r1.descriptor, 3);
    await aRefs.pushReferrer({ registry: a.registry, repository: 'src/app' }, nested);

    const result = await copyWithReferrers({ client: a, repo: 'src/app', digest: c.descriptor.digest }, { client: b, repo: 'mirror/app', tag: 'v1' });
    assert.deepEqual(result.descriptor, c.descriptor);
    assert.deepEqual(new Set(result.referrers), new Set([r1.digest, r2.digest, nested.digest]));

    assert.deepEqual((await b.getManifest('mirror/app', 'v1')).bytes, c.manifest);
    assert.deepEqual(await b.getBlob('mirror/app', sha256Digest(c.layer)), c.layer);
    const listed = await bRefs.listReferrers({ registry: b.registry, repository: 'mirror/app' }, c.descriptor.digest);
    assert.deepEqual(new Set(listed.map((d) => d.digest)), new Set([r1.digest, r2.digest]));
    const byDigest = new Map(listed.map((d) => [d.digest, d]));
    assert.equal(byDigest.get(r1.digest)?.artifactType, MEDIA_TYPE_SCITT_RECEIPT);
    assert.equal(byDigest.get(r2.digest)?.artifactType, ARTIFACT_TYPE_SCITT_REVOCATION);
    assert.deepEqual(byDigest.get(r1.digest)?.annotations, r1.descriptor.annotations);
    assert.deepEqual((await bRefs.listReferrers({ registry: b.registry, repository: 'mirror/app' }, r1.digest)).map((d) => d.digest), [nested.digest]);
    for (const blob of r1.blobs) assert.deepEqual(await b.getBlob('mirror/app', blob.descriptor.digest), blob.bytes);
    const idx = await b.headManifest('mirror/app', referrersTag(c.descriptor.digest));
    assert.equal(idx?.mediaType, MEDIA_TYPE_OCI_INDEX);

    // Copying again changes nothing and uploads no blob.
    const again = await copyWithReferrers({ client: a, repo: 'src/app', digest: c.descriptor.digest }, { client: b, repo: 'mirror/app' });
    assert.equal(again.blobsCopied, 0);
    assert.equal((await bRefs.listReferrers({ registry: b.registry, repository: 'mirror/app' }, c.descriptor.digest)).length, 2);
  });

  it('copies an index with its child manifests, mounting blobs within one registry', async () => {
    const a = new RegistryClient({ registry: regA.host });
    const aRefs = RegistryReferrerTarget.forClient(a);
    const amd = await pushTestCollection(regA.url, 'multi/app');
    const arm = await pushTestCollection(regA.url, 'multi/app');
    const children: Descriptor[] = [
      { ...amd.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
      { ...arm.descriptor, platform: { architecture: 'arm64', os: 'linux' } },
    ];
    const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: children }));
    const { digest } = await a.putManifest('multi/app', 'latest', index, MEDIA_TYPE_OCI_INDEX);
    const r = sampleArtifact({ mediaType: MEDIA_TYPE_OCI_INDEX, digest, size: index.length }, 9);
    await aRefs.pushReferrer({ registry: a.registry, repository: 'multi/app' }, r);
    const result = await copyWithReferrers({ client: a, repo: 'multi/app', digest }, { client: a, repo: 'copy/app' });
    assert.deepEqual(result.manifests.slice(0, 3), [amd.descriptor.digest, arm.descriptor.digest, digest]);
    assert.deepEqual((await a.getManifest('copy/app', digest)).bytes, index);
    assert.deepEqual(await a.getBlob('copy/app', sha256Digest(arm.layer)), arm.layer);
    assert.deepEqual((await aRefs.listReferrers({ registry: a.registry, repository: 'copy/app' }, digest)).map((d) => d.digest), [r.digest]);
  });
});
