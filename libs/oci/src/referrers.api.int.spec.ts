import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { registrySkip, startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { pushTestCollection } from '../../../test/support/registry-collection.js';
import { sampleArtifact } from '../../../test/support/registry-fixtures.js';
import { startReferrersProxy, type ReferrersProxy } from '../../../test/support/registry-referrers-proxy.js';
import { ARTIFACT_TYPE_SCITT_REVOCATION, MEDIA_TYPE_SCITT_RECEIPT, RegistryClient, RegistryReferrerTarget, copyWithReferrers, referrersTag } from './index.js';

const skip = registrySkip();

async function tags(base: string, repo: string): Promise<string[]> {
  return (((await (await fetch(`${base}/v2/${repo}/tags/list`)).json()) as { tags: string[] | null }).tags ?? []).sort();
}

describe('referrers on a registry with the referrers API (docker-registry + API front)', { skip }, () => {
  let reg: TestRegistry;
  let api: ReferrersProxy;
  before(async () => {
    reg = await startRegistry();
    api = await startReferrersProxy(reg.url, { pageSize: 2 });
  });
  after(async () => {
    await api?.stop();
    await reg?.dispose();
  });

  it('learns the API from OCI-Subject on PUT and writes no tag-schema index', async () => {
    const client = new RegistryClient({ registry: api.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const c = await pushTestCollection(api.url, 'api/app', { tag: 'v1' });
    const a = sampleArtifact(c.descriptor, 1);
    const pushed = await refs.pushReferrer({ registry: client.registry, repository: 'api/app' }, a);
    assert.equal(pushed.via, 'api');
    assert.equal(refs.knownSupport({ registry: client.registry, repository: 'api/app' }), 'api');
    assert.deepEqual(await tags(reg.url, 'api/app'), ['v1'], 'no sha256-<hex> tag');
  });

  it('lists through the API across pages, with the artifactType filter', async () => {
    const client = new RegistryClient({ registry: api.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const c = await pushTestCollection(api.url, 'api/many');
    const receipts = [1, 2, 3, 4].map((n) => sampleArtifact(c.descriptor, n));
    const revocation = sampleArtifact(c.descriptor, 5, ARTIFACT_TYPE_SCITT_REVOCATION);
    for (const a of [...receipts, revocation]) await refs.pushReferrer({ registry: client.registry, repository: 'api/many' }, a);
    const fresh = new RegistryClient({ registry: api.host });
    const freshRefs = RegistryReferrerTarget.forClient(fresh);
    const before = api.apiRequests;
    const all = await freshRefs.listReferrers({ registry: fresh.registry, repository: 'api/many' }, c.descriptor.digest);
    assert.equal(freshRefs.knownSupport({ registry: fresh.registry, repository: 'api/many' }), 'api', 'detected by GET: 200 + index media type');
    assert.deepEqual(all.map((d) => d.digest), [...receipts, revocation].map((a) => a.digest));
    assert.ok(api.apiRequests - before >= 3, 'followed Link pages');
    const onlyRevocations = await freshRefs.listReferrers({ registry: fresh.registry, repository: 'api/many' }, c.descriptor.digest, { artifactType: ARTIFACT_TYPE_SCITT_REVOCATION });
    assert.deepEqual(onlyRevocations.map((d) => d.digest), [revocation.digest]);
    assert.equal(onlyRevocations[0]!.artifactType, ARTIFACT_TYPE_SCITT_REVOCATION);
    assert.deepEqual((await freshRefs.listReferrers({ registry: fresh.registry, repository: 'api/many' }, c.descriptor.digest, { artifactType: MEDIA_TYPE_SCITT_RECEIPT })).length, 4);
  });

  it('treats NAME_UNKNOWN as inconclusive: no referrers, nothing cached', async () => {
    const client = new RegistryClient({ registry: api.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const c = await pushTestCollection(reg.url, 'api/elsewhere'); // behind the front's back: unknown to it
    assert.deepEqual(await refs.listReferrers({ registry: client.registry, repository: 'api/never-pushed' }, c.descriptor.digest), []);
    assert.equal((refs.knownSupport({ registry: client.registry, repository: 'api/never-pushed' }) !== undefined), false);
  });

  it('copies from a tag-schema registry to an API registry: listed by the API, no tag index written', async () => {
    const src = await startRegistry();
    try {
      const from = new RegistryClient({ registry: src.host });
      const fromRefs = RegistryReferrerTarget.forClient(from);
      const to = new RegistryClient({ registry: api.host });
      const toRefs = RegistryReferrerTarget.forClient(to);
      const c = await pushTestCollection(src.url, 'plain/app');
      const a = sampleArtifact(c.descriptor, 7);
      await fromRefs.pushReferrer({ registry: from.registry, repository: 'plain/app' }, a);
      assert.ok((await tags(src.url, 'plain/app')).includes(referrersTag(c.descriptor.digest)));
      await copyWithReferrers({ client: from, repo: 'plain/app', digest: c.descriptor.digest }, { client: to, repo: 'api/copied' });
      assert.deepEqual((await toRefs.listReferrers({ registry: to.registry, repository: 'api/copied' }, c.descriptor.digest)).map((d) => d.digest), [a.digest]);
      assert.deepEqual(await tags(reg.url, 'api/copied'), []);
    } finally {
      await src.dispose();
    }
  });
});
