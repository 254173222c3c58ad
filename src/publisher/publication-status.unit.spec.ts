import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PublicationStatus } from './publication-status.js';
import { PublicationStore } from './publication.store.js';

describe('PublicationStatus never shows absolute server paths', () => {
  it('names the embedded layout without its directory and redacts paths from error texts', async () => {
    const store = new PublicationStore(':memory:');
    const entryId = 'ab'.repeat(32);
    store.insert([{
      entryId, logIndex: 0, subject: `r.example/app@sha256:${'a'.repeat(64)}`, registry: 'r.example', repository: 'app',
      subjectDigest: `sha256:${'a'.repeat(64)}`, targetKind: 'oci-layout', artifactType: 'application/scitt-receipt+cose', createdAt: 1000,
    }]);
    const dataDir = '/srv/secret-place/ledger-data';
    const layoutDir = `${dataDir}/oci-layout`;
    store.markFailed({ entryId, logIndex: 0 }, { error: `EACCES: permission denied, open '${layoutDir}/blobs/sha256/00'; journal ${dataDir}/x`, code: 'ERR_OCI_LAYOUT', nextAttemptAt: 5000 }, 2000);
    const status = new PublicationStatus({ store, layoutDir, dataDir, pauseOf: () => undefined });
    const s = (await status.of({ entryId, logIndex: 0 }))!;
    assert.equal(s.target, 'oci-layout');
    assert.equal(s.lastError, "EACCES: permission denied, open '$OCI_LAYOUT_DIR/blobs/sha256/00'; journal $DATA_DIR/x");
    assert.ok(!JSON.stringify(s).includes('/srv/secret-place'), JSON.stringify(s));
    store.close();
  });

  it('says what a claim held with its subject waits for', async () => {
    const store = new PublicationStore(':memory:');
    const entryId = 'cd'.repeat(32);
    const digest = `sha256:${'b'.repeat(64)}`;
    store.insert([{
      entryId, logIndex: 1, subject: `ghcr.io/app@${digest}`, registry: 'ghcr.io', repository: 'app', subjectDigest: digest, targetKind: 'oci-layout',
      artifactType: 'application/scitt-receipt+cose', createdAt: 1000, held: { until: 9000, error: 'not in the layout', code: 'ERR_PUBLISH_SUBJECT_UNKNOWN' },
    }]);
    const status = new PublicationStatus({ store, layoutDir: '/x/oci-layout', dataDir: '/x', pauseOf: () => undefined });
    const s = (await status.of({ entryId, logIndex: 1 }))!;
    assert.equal(s.state, 'pending');
    assert.equal(s.attempts, 0);
    assert.match(s.waitingFor!, /copied into the OCI layout/);
    store.close();
  });
});
