import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleArtifact } from '../../../test/support/registry-fixtures.js';
import { which } from '../../../test/support/which.js';
import {
  ANNOTATION_REF_NAME,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_SCITT_RECEIPT,
  OciLayoutReferrerTarget,
  OciLayoutStore,
  referrersTag,
  sha256Digest,
  type Descriptor,
} from './index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A small real image (config + one layer) written into the layout under `tag`. */
async function putImage(store: OciLayoutStore, tag: string): Promise<Descriptor> {
  const layer = enc(`layer of ${tag}\n`);
  const config = enc(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] }, config: {} }));
  await store.putBlob(config);
  await store.putBlob(layer);
  const manifest = enc(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layer), size: layer.length }],
  }));
  const d = await store.putManifest(manifest, MEDIA_TYPE_OCI_MANIFEST, { tag });
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

describe('OCI image layout store', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oci-layout-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates oci-layout and an empty index.json', async () => {
    const d = join(dir, 'fresh');
    await OciLayoutStore.open(d);
    assert.deepEqual(JSON.parse(readFileSync(join(d, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    assert.deepEqual(JSON.parse(readFileSync(join(d, 'index.json'), 'utf8')), { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [] });
    await OciLayoutStore.open(d); // reopening keeps it
  });

  it('writes a referrer (untagged entry + tagged sha256-<hex> index) and reads it back', async () => {
    const store = await OciLayoutStore.open(join(dir, 'one'));
    const subject = await putImage(store, 'v1');
    const a = sampleArtifact(subject, 1);
    const pushed = await store.pushReferrer(a);
    assert.equal(pushed.via, 'tag');
    const index = JSON.parse(readFileSync(join(store.dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const untagged = index.manifests.find((m) => m.digest === a.digest);
    assert.deepEqual(untagged, { mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType: MEDIA_TYPE_SCITT_RECEIPT, digest: a.digest, size: a.manifest.length });
    const tagged = index.manifests.find((m) => m.annotations?.[ANNOTATION_REF_NAME] === referrersTag(subject.digest));
    assert.equal(tagged?.mediaType, MEDIA_TYPE_OCI_INDEX);
    assert.equal(tagged?.digest, pushed.indexDigest);
    // Blobs on disk under blobs/sha256/<hex>, each hashing to its name.
    for (const name of readdirSync(join(store.dir, 'blobs', 'sha256'))) {
      assert.equal(createHash('sha256').update(readFileSync(join(store.dir, 'blobs', 'sha256', name))).digest('hex'), name);
    }
    assert.deepEqual((await store.getManifest(a.digest)).bytes, a.manifest);
    assert.deepEqual((await store.getManifest('v1')).descriptor.digest, subject.digest);
    for (const b of a.blobs) assert.deepEqual(await store.getBlob(b.descriptor.digest), b.bytes);
    const listed = await store.listReferrers(subject.digest);
    assert.deepEqual(listed, [a.descriptor]);
    assert.deepEqual(await store.listReferrers(subject.digest, { artifactType: 'application/other' }), []);
  });

  it('is idempotent and keeps one tagged index per subject', async () => {
    const store = await OciLayoutStore.open(join(dir, 'idem'));
    const subject = await putImage(store, 'v1');
    const first = await store.pushReferrer(sampleArtifact(subject, 1));
    const again = await store.pushReferrer(sampleArtifact(subject, 1));
    assert.equal(again.indexDigest, first.indexDigest);
    await store.pushReferrer(sampleArtifact(subject, 2));
    const index = await store.index();
    assert.equal(index.filter((m) => m.annotations?.[ANNOTATION_REF_NAME] === referrersTag(subject.digest)).length, 1);
    assert.equal(index.filter((m) => m.artifactType === MEDIA_TYPE_SCITT_RECEIPT).length, 2);
    assert.equal((await store.listReferrers(subject.digest)).length, 2);
  });

  it('lists 20 concurrent referrers of one subject, across two store handles', async () => {
    const d = join(dir, 'many');
    const [s1, s2] = [await OciLayoutStore.open(d), await OciLayoutStore.open(d)];
    const subject = await putImage(s1, 'v1');
    const artifacts = Array.from({ length: 20 }, (_, i) => sampleArtifact(subject, 10 + i));
    await Promise.all(artifacts.map((a, i) => (i % 2 ? s1 : s2).pushReferrer(a)));
    const listed = await s1.listReferrers(subject.digest);
    assert.deepEqual(new Set(listed.map((x) => x.digest)), new Set(artifacts.map((a) => a.digest)));
    assert.equal(existsSync(join(d, 'index.json.lock')), false, 'lock released');
  });

  it('also lists referrers other tools stored as untagged manifests (no tag index)', async () => {
    const store = await OciLayoutStore.open(join(dir, 'foreign'));
    const subject = await putImage(store, 'v1');
    const a = sampleArtifact(subject, 3);
    for (const b of a.blobs) await store.putBlob(b.bytes);
    await store.putManifest(a.manifest, MEDIA_TYPE_OCI_MANIFEST, { artifactType: MEDIA_TYPE_SCITT_RECEIPT });
    assert.deepEqual((await store.listReferrers(subject.digest)).map((x) => x.digest), [a.digest]);
  });

  it('detects corrupted blobs on read', async () => {
    const store = await OciLayoutStore.open(join(dir, 'corrupt'));
    const digest = await store.putBlob(enc('hello'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(store.dir, 'blobs', 'sha256', digest.slice(7)), 'hellO');
    await assert.rejects(store.getBlob(digest), { code: 'ERR_OCI_DIGEST_MISMATCH' });
    await assert.rejects(store.getBlob(sha256Digest(enc('absent'))), { code: 'ERR_OCI_NOT_FOUND' });
  });

  it('holdsAll: listed manifests, blobs only, absent and malformed digests, each answered per position however often repeated', async () => {
    const store = await OciLayoutStore.open(join(dir, 'holds'));
    const listed = await putImage(store, 'v1');
    const blob = await store.putBlob(enc('a child manifest, stored as a blob only'));
    const absent = sha256Digest(enc('absent'));
    const asked = [absent, listed.digest, blob, absent, 'sha256:../../etc/passwd', blob, absent, listed.digest];
    assert.deepEqual(await store.holdsAll(asked), [false, true, true, false, false, true, false, true]);
    assert.deepEqual(await store.holdsAll([]), []);
  });

  it('sees index.json changed by another writer (another handle, a tool replacing it, an in-place rewrite) on its next read', async () => {
    const d = join(dir, 'cache');
    const reader = await OciLayoutStore.open(d);
    const other = await OciLayoutStore.open(d);
    assert.equal(await reader.resolve('v1'), undefined);
    const first = await putImage(other, 'v1'); // another handle (as another process) replaces index.json
    assert.equal((await reader.resolve('v1'))?.digest, first.digest);
    assert.equal((await reader.resolve(first.digest))?.digest, first.digest, 'by digest too');
    // a tool rewriting the file in place (same inode): size or mtime changes
    const path = join(d, 'index.json');
    const index = JSON.parse(readFileSync(path, 'utf8')) as { manifests: Descriptor[] };
    writeFileSync(path, JSON.stringify({ ...index, manifests: [] }));
    assert.equal(await reader.resolve('v1'), undefined, 'the emptied index is read again');
    writeFileSync(path, JSON.stringify(index));
    assert.equal((await reader.resolve('v1'))?.digest, first.digest);
  });

  it('OciLayoutReferrerTarget: one layout for all repositories, or one per repository', async () => {
    const shared = new OciLayoutReferrerTarget(join(dir, 'target'));
    const perRepo = new OciLayoutReferrerTarget(join(dir, 'target-per'), { perRepository: true });
    const subject = { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest: sha256Digest(enc('subject')), size: 7 };
    const a = sampleArtifact(subject, 4);
    const repo = { registry: 'registry.example:5000', repository: 'team/app' };
    await shared.pushReferrer(repo, a);
    await perRepo.pushReferrer(repo, a);
    assert.deepEqual((await shared.listReferrers(repo, subject.digest)).map((x) => x.digest), [a.digest]);
    assert.ok(existsSync(join(dir, 'target-per', 'registry.example:5000', 'team', 'app', 'index.json')));
    assert.deepEqual((await perRepo.listReferrers(repo, subject.digest)).map((x) => x.digest), [a.digest]);
  });
});

const skopeo = which('skopeo');
describe('skopeo reads the layout', { skip: skopeo ? false : 'skopeo is not installed (optional: apt-get install skopeo)' }, () => {
  it('inspects the tagged image and the raw referrers index and artifact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oci-layout-skopeo-'));
    try {
      const store = await OciLayoutStore.open(dir);
      const subject = await putImage(store, 'v1');
      const a = sampleArtifact(subject, 5);
      await store.pushReferrer(a);
      const run = (...args: string[]): string => {
        const r = spawnSync(skopeo!, args, { encoding: 'utf8' });
        assert.equal(r.status, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      const info = JSON.parse(run('inspect', `oci:${dir}:v1`)) as { Digest: string; Os: string };
      assert.equal(info.Digest, subject.digest);
      assert.equal(info.Os, 'linux');
      const rawIndex = run('inspect', '--raw', `oci:${dir}:${referrersTag(subject.digest)}`);
      const idx = JSON.parse(rawIndex) as { mediaType: string; manifests: Descriptor[] };
      assert.equal(idx.mediaType, MEDIA_TYPE_OCI_INDEX);
      assert.deepEqual(idx.manifests.map((m) => m.digest), [a.digest]);
      // skopeo copies the image out of the layout, verifying every blob digest on the way.
      run('copy', '--quiet', `oci:${dir}:v1`, `dir:${join(dir, 'exported')}`);
      assert.ok(existsSync(join(dir, 'exported', 'manifest.json')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
