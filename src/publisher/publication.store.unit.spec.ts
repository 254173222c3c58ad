import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { laneOf, PublicationStore, type NewPublication } from './publication.store.js';

const row = (n: number, over: Partial<NewPublication> = {}): NewPublication => ({
  entryId: n.toString(16).padStart(64, '0'),
  logIndex: n,
  subject: `r.example/app@sha256:${'a'.repeat(64)}`,
  registry: 'r.example',
  repository: 'app',
  subjectDigest: `sha256:${'a'.repeat(64)}`,
  targetKind: 'registry',
  artifactType: 'application/scitt-receipt+cose',
  createdAt: 1000,
  ...over,
});

describe('PublicationStore', () => {
  it('inserts idempotently (re-delivered events leave the state alone)', () => {
    const s = new PublicationStore(':memory:');
    assert.equal(s.insert([row(1), row(2)]), 2);
    s.markFailed(row(1).entryId, { error: 'down', code: 'ERR_OCI_NETWORK', nextAttemptAt: 5000 }, 2000);
    assert.equal(s.insert([row(1), row(2), row(3)]), 1);
    const r1 = s.get(row(1).entryId)!;
    assert.equal(r1.state, 'failed-retrying');
    assert.equal(r1.attempts, 1);
    assert.equal(r1.nextAttemptAt, 5000);
    assert.equal(r1.lastErrorCode, 'ERR_OCI_NETWORK');
    assert.deepEqual(s.counts(), { pending: 2, published: 0, failedRetrying: 1 });
    s.close();
  });

  it('lists due lanes and rows, oldest due first; the next wake-up time; published rows drop out', () => {
    const s = new PublicationStore(':memory:');
    s.insert([row(1), row(2), row(3, { repository: 'other' }), row(4, { targetKind: 'oci-layout' })]);
    s.markFailed(row(2).entryId, { error: 'x', code: 'ERR_X', nextAttemptAt: 9000 }, 1500);
    assert.deepEqual(new Set(s.dueLanes(1000)), new Set(['registry:r.example/app', 'registry:r.example/other', 'oci-layout:r.example/app']));
    assert.equal(laneOf(row(3, { repository: 'other' })), 'registry:r.example/other');
    assert.deepEqual(s.dueInLane('registry:r.example/app', 1000, 10).map((r) => r.logIndex), [1]);
    assert.deepEqual(s.dueInLane('registry:r.example/app', 9000, 10).map((r) => r.logIndex), [1, 2]);
    assert.deepEqual(s.dueInLane('registry:r.example/app', 9000, 1).map((r) => r.logIndex), [1]);
    assert.equal(s.nextAttemptAfter(1000), 9000);
    assert.equal(s.nextAttemptAfter(9000), undefined);
    s.markPublished(row(2).entryId, { digest: 'sha256:' + 'b'.repeat(64), via: 'tag' }, 9500);
    const r2 = s.get(row(2).entryId)!;
    assert.equal(r2.state, 'published');
    assert.equal(r2.attempts, 2);
    assert.equal(r2.lastError, undefined);
    assert.equal(r2.publishedAt, 9500);
    assert.equal(s.nextAttemptAfter(1000), undefined);
    // a late failure report never un-publishes
    s.markFailed(row(2).entryId, { error: 'late', code: 'ERR_X', nextAttemptAt: 1 }, 9600);
    assert.equal(s.get(row(2).entryId)!.state, 'published');
    s.close();
  });

  it('is durable across reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'publisher-store-'));
    try {
      const a = new PublicationStore(join(dir, 'publisher.sqlite'));
      a.insert([row(7)]);
      a.markFailed(row(7).entryId, { error: 'e', code: 'ERR_OCI_UNAVAILABLE', nextAttemptAt: 42, digest: 'sha256:' + 'c'.repeat(64) }, 10);
      a.close();
      const b = new PublicationStore(join(dir, 'publisher.sqlite'));
      const r = b.get(row(7).entryId)!;
      assert.equal(r.state, 'failed-retrying');
      assert.equal(r.digest, 'sha256:' + 'c'.repeat(64));
      assert.deepEqual(b.dueLanes(42), ['registry:r.example/app']);
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
