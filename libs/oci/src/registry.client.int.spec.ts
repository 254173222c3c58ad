import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { registrySkip, startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { pushTestCollection } from '../../../test/support/registry-collection.js';
import {
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
  RegistryClient,
  RegistryError,
  OciError,
  sha256Digest,
} from './index.js';

const skip = registrySkip();

describe('RegistryClient against docker-registry 2.8', { skip }, () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  before(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ registry: reg.host });
  });
  after(async () => reg?.dispose());

  it('uses plain http for loopback and https elsewhere unless told', () => {
    assert.equal(client.baseUrl, `http://${reg.host}`);
    assert.equal(new RegistryClient({ registry: 'registry.example:5000' }).baseUrl, 'https://registry.example:5000');
    assert.equal(new RegistryClient({ registry: 'registry.example', plainHttp: true }).baseUrl, 'http://registry.example');
    assert.equal(new RegistryClient({ registry: 'localhost:5000' }).baseUrl, 'http://localhost:5000');
  });

  it('pings /v2/', async () => {
    await client.ping();
  });

  it('pulls a collection pushed by another client, verifying digests', async () => {
    const c = await pushTestCollection(reg.url, 'team/app', { tag: 'v1' });
    const byTag = await client.getManifest('team/app', 'v1');
    assert.deepEqual(byTag.descriptor, c.descriptor);
    assert.deepEqual(byTag.bytes, c.manifest);
    const byDigest = await client.getManifest('team/app', c.descriptor.digest);
    assert.deepEqual(byDigest.bytes, c.manifest);
    assert.deepEqual(await client.getBlob('team/app', sha256Digest(c.layer)), c.layer);
    assert.deepEqual(await client.getBlob('team/app', sha256Digest(c.config)), c.config);
  });

  it('HEAD gives media type, digest and size (Accept names OCI types: 2.8 hides them otherwise)', async () => {
    const c = await pushTestCollection(reg.url, 'team/head');
    assert.deepEqual(await client.headManifest('team/head', c.descriptor.digest), c.descriptor);
    // The same HEAD without Accept is a 404 on distribution 2.8: the header matters.
    const bare = await fetch(`${reg.url}/v2/team/head/manifests/${c.descriptor.digest}`, { method: 'HEAD' });
    assert.equal(bare.status, 404);
  });

  it('pushes blobs (monolithic) and manifests by digest and by tag, and reads an OCI index back', async () => {
    const data = randomBytes(1000);
    const digest = await client.pushBlob('team/push', data);
    assert.equal(digest, sha256Digest(data));
    assert.equal(await client.blobExists('team/push', digest), true);
    assert.equal(await client.pushBlob('team/push', data), digest, 'second push is a no-op');
    const c = await pushTestCollection(reg.url, 'team/push');
    const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [c.descriptor] }));
    const put = await client.putManifest('team/push', 'multi', index, MEDIA_TYPE_OCI_INDEX);
    assert.equal(put.digest, sha256Digest(index));
    assert.equal(put.ociSubject, undefined, '2.8 sends no OCI-Subject');
    const head = await client.headManifest('team/push', 'multi');
    assert.deepEqual(head, { mediaType: MEDIA_TYPE_OCI_INDEX, digest: put.digest, size: index.length });
    assert.deepEqual((await client.getManifest('team/push', put.digest)).bytes, index);
  });

  it('mounts a blob from another repository of the same registry', async () => {
    const c = await pushTestCollection(reg.url, 'team/src');
    const layer = sha256Digest(c.layer);
    let loaded = 0;
    const d = await client.pushBlob('team/dst', async () => {
      loaded++;
      return c.layer;
    }, { digest: layer, mountFrom: 'team/src' });
    assert.equal(d, layer);
    assert.equal(loaded, 0, 'mounted (201): the bytes were never needed');
    assert.equal(await client.blobExists('team/dst', layer), true);
  });

  it('falls back to an upload when the mount source lacks the blob (202)', async () => {
    const bytes = randomBytes(64);
    const d = await client.pushBlob('team/dst2', bytes, { mountFrom: 'team/nowhere' });
    assert.equal(await client.blobExists('team/dst2', d), true);
  });

  it('answers a missing manifest with undefined on HEAD and a typed error on GET', async () => {
    assert.equal(await client.headManifest('team/app', 'nope'), undefined);
    await assert.rejects(client.getManifest('team/app', 'nope'), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.code, 'ERR_OCI_NOT_FOUND');
      assert.equal(e.status, 404);
      assert.equal(e.registryCode, 'MANIFEST_UNKNOWN');
      assert.match(e.message, /^couldn't fetch manifest team\/app:nope: HTTP 404 MANIFEST_UNKNOWN/);
      return true;
    });
    await assert.rejects(client.getBlob('team/app', sha256Digest(new Uint8Array([1]))), { code: 'ERR_OCI_NOT_FOUND', registryCode: 'BLOB_UNKNOWN' });
  });

  it('refuses a manifest the registry rejects with a typed error (MANIFEST_BLOB_UNKNOWN)', async () => {
    const m = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(randomBytes(8)), size: 8 },
      layers: [],
    }));
    await assert.rejects(client.putManifest('team/bad', sha256Digest(m), m, MEDIA_TYPE_OCI_MANIFEST), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.code, 'ERR_OCI_INVALID');
      assert.equal(e.status, 400);
      assert.equal(e.registryCode, 'MANIFEST_BLOB_UNKNOWN');
      assert.equal(e.retryable, false);
      return true;
    });
  });

  it('checks digests locally before sending', async () => {
    const bytes = new TextEncoder().encode('{}');
    await assert.rejects(client.pushBlob('team/x', bytes, { digest: sha256Digest(new Uint8Array([1])) }), { code: 'ERR_OCI_DIGEST_MISMATCH' });
    await assert.rejects(client.putManifest('team/x', sha256Digest(new Uint8Array([1])), bytes, MEDIA_TYPE_OCI_MANIFEST), { code: 'ERR_OCI_DIGEST_MISMATCH' });
    await assert.rejects(client.getManifest('Team/X', 'v1'), (e: unknown) => e instanceof OciError && e.code === 'ERR_OCI_REFERENCE_INVALID');
  });

  it('detects that 2.8 has no referrers API (plain-text 404)', async () => {
    const c = await pushTestCollection(reg.url, 'team/ref');
    const r = await client.referrersApi('team/ref', c.descriptor.digest);
    assert.deepEqual(r, { status: 'unsupported', httpStatus: 404 });
  });

  it('reports an outage as a retryable network error, and works again after restart', async () => {
    const c = await pushTestCollection(reg.url, 'team/outage');
    await reg.stop();
    await assert.rejects(client.headManifest('team/outage', c.descriptor.digest), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.code, 'ERR_OCI_NETWORK');
      assert.equal(e.status, 0);
      assert.equal(e.retryable, true);
      return true;
    });
    await reg.restart();
    assert.deepEqual(await client.headManifest('team/outage', c.descriptor.digest), c.descriptor);
  });

  it('verifies blob content against its digest (empty config blob is sha256 of "{}")', () => {
    assert.equal(sha256Digest(new TextEncoder().encode('{}')), 'sha256:' + createHash('sha256').update('{}').digest('hex'));
  });
});
