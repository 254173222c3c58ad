/**
 * What the publisher asks the embedded OCI layout (a real one on disk) before and between
 * attempts: which new claims' subjects it lacks (`missingSubjects`), and which subjects arrived
 * since it last looked (`layoutArrivals`) — new index entries and the children of a new image
 * index, never the publisher's own referrers.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA_TYPE_OCI_INDEX, OciLayoutStore, sha256Digest, type Descriptor } from '../../libs/oci/src/index.js';
import { sampleArtifact } from '../../test/support/registry-fixtures.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { PublicationAttempts } from './publication.attempt.js';
import type { NewPublication } from './publication.store.js';
import { loadPublisherConfig } from './publisher.config.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const image = (n: number): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(new TextEncoder().encode('{}')), size: 2 }, layers: [], annotations: { n: String(n) } }));
const about = (digest: string, targetKind: NewPublication['targetKind'] = 'oci-layout'): NewPublication => ({
  entryId: digest.slice(7), logIndex: 0, subject: `ghcr.io/team/app@${digest}`, registry: 'ghcr.io', repository: 'team/app', subjectDigest: digest, targetKind, artifactType: 'application/scitt-receipt+cose', createdAt: 0,
});

describe('PublicationAttempts and the embedded layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'publication-attempt-'));
  const index = new LogIndexStore(join(dir, 'log-index.sqlite'));
  after(() => {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells missing subjects before any attempt (layout lookup only) and reports arrivals, not its own referrers', async () => {
    const config = loadPublisherConfig({ OCI_SUBJECT_LOOKUP: 'layout' }, dir);
    const attempts = new PublicationAttempts({ config, index, service: 'https://ledger.test', signal: new AbortController().signal });
    const layout = await OciLayoutStore.open(config.layoutDir);
    await layout.putBlob(new TextEncoder().encode('{}'));
    const present = await layout.putManifest(image(1), MANIFEST, { tag: 'v1' });
    const absent = sha256Digest(image(2));
    assert.deepEqual(await attempts.layoutArrivals(), [], 'nothing published to the layout yet: not watched');

    assert.deepEqual(await attempts.missingSubjects([about(present.digest), about(absent), about(absent, 'registry')]), [false, true, false]);
    assert.deepEqual(await attempts.layoutArrivals(), [], 'the first look takes the baseline');

    // an image copied in, and a multi-platform index whose children are blobs only
    const copied = await layout.putManifest(image(2), MANIFEST, { tag: 'v2' });
    const child: Descriptor = { mediaType: MANIFEST, digest: await layout.putBlob(image(3)), size: image(3).length };
    const multi = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [child] }));
    const indexed = await layout.putManifest(multi, MEDIA_TYPE_OCI_INDEX, { tag: 'multi' });
    assert.deepEqual(new Set(await attempts.layoutArrivals()), new Set([copied.digest, indexed.digest, child.digest]));
    assert.deepEqual(await attempts.missingSubjects([about(copied.digest), about(child.digest)]), [false, false], 'a child manifest is held as a blob');
    assert.deepEqual(await attempts.layoutArrivals(), [], 'unchanged since');

    // the publisher's own referrer (and its referrers index) are nobody's awaited subject
    await layout.pushReferrer(sampleArtifact(present, 1));
    assert.deepEqual(await attempts.layoutArrivals(), []);
  });

  it('never looks at the layout when the subject may be looked up in its registry', async () => {
    const config = loadPublisherConfig({ OCI_SUBJECT_LOOKUP: 'registry' }, dir);
    const attempts = new PublicationAttempts({ config, index, service: 'https://ledger.test', signal: new AbortController().signal });
    assert.deepEqual(await attempts.missingSubjects([about(sha256Digest(image(9)))]), [false]);
  });
});
