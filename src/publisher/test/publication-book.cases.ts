/**
 * The work list's behaviour, one set of cases for both stores (publication.store.ts on SQLite,
 * publication.pg-store.ts on PostgreSQL): call {@link publicationBookCases} inside a `describe`.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { laneOf, type NewPublication, type PublicationBook } from '../publication.store.js';

/** Publication `n` (entry id and log index `n`) of `r.example/app`, unless `over` says otherwise. */
export const publicationRow = (n: number, over: Partial<NewPublication> = {}): NewPublication => ({
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

const row = publicationRow;

/** Registers the shared cases; `open` gives an empty store. */
export function publicationBookCases(open: () => PublicationBook): void {
  it('inserts idempotently (re-delivered events leave the state alone)', async () => {
    const s = open();
    try {
      assert.equal(await s.insert([row(1), row(2)]), 2);
      await s.markFailed(row(1), { error: 'down', code: 'ERR_OCI_NETWORK', nextAttemptAt: 5000 }, 2000);
      assert.equal(await s.insert([row(1), row(2), row(3)]), 1);
      assert.equal(await s.insert([]), 0);
      const r1 = (await s.get(row(1)))!;
      assert.equal(r1.state, 'failed-retrying');
      assert.equal(r1.attempts, 1);
      assert.equal(r1.nextAttemptAt, 5000);
      assert.equal(r1.lastErrorCode, 'ERR_OCI_NETWORK');
      assert.equal(r1.logIndex, 1);
      assert.equal(r1.createdAt, 1000);
      assert.equal(await s.get(row(9)), undefined);
      // a key whose id and log index disagree names no publication, in either store
      assert.equal(await s.get({ entryId: row(1).entryId, logIndex: 2 }), undefined);
      assert.equal(await s.get({ entryId: row(2).entryId, logIndex: 1 }), undefined);
      assert.deepEqual(await s.counts(), { pending: 2, published: 0, failedRetrying: 1 });
      assert.deepEqual(await s.backlogByTarget(), { 'r.example': 3 });
    } finally {
      await s.close();
    }
  });

  it('lists due lanes and rows, oldest due first; the next wake-up time; published rows drop out', async () => {
    const s = open();
    try {
      await s.insert([row(1), row(2), row(3, { repository: 'other' }), row(4, { targetKind: 'oci-layout' })]);
      await s.markFailed(row(2), { error: 'x', code: 'ERR_X', nextAttemptAt: 9000 }, 1500);
      assert.deepEqual(new Set(await s.dueLanes(1000)), new Set(['registry:r.example/app', 'registry:r.example/other', 'oci-layout:r.example/app']));
      assert.equal(laneOf(row(3, { repository: 'other' })), 'registry:r.example/other');
      assert.deepEqual((await s.dueInLane('registry:r.example/app', 1000, 10)).map((r) => r.logIndex), [1]);
      assert.deepEqual((await s.dueInLane('registry:r.example/app', 9000, 10)).map((r) => r.logIndex), [1, 2]);
      assert.deepEqual((await s.dueInLane('registry:r.example/app', 9000, 1)).map((r) => r.logIndex), [1]);
      assert.equal(await s.nextAttemptAfter(1000), 9000);
      assert.equal(await s.nextAttemptAfter(9000), undefined);
      await s.markPublished(row(2), { digest: 'sha256:' + 'b'.repeat(64), via: 'tag' }, 9500);
      const r2 = (await s.get(row(2)))!;
      assert.equal(r2.state, 'published');
      assert.equal(r2.attempts, 2);
      assert.equal(r2.lastError, undefined);
      assert.equal(r2.publishedAt, 9500);
      assert.equal(r2.via, 'tag');
      assert.equal(await s.nextAttemptAfter(1000), undefined);
      // a late failure report (the old leader's attempt in hand) never un-publishes
      await s.markFailed(row(2), { error: 'late', code: 'ERR_X', nextAttemptAt: 1 }, 9600);
      assert.equal((await s.get(row(2)))!.state, 'published');
      assert.deepEqual(await s.backlogByTarget(), { 'r.example': 2, 'oci-layout': 1 });
    } finally {
      await s.close();
    }
  });

  it("holds a subject's publications (recorded held, or held in one statement) and releases them; other subjects untouched", async () => {
    const s = open();
    const other = `sha256:${'e'.repeat(64)}`;
    const subject = { lane: 'registry:r.example/app', subjectDigest: `sha256:${'a'.repeat(64)}` };
    try {
      const held = { until: 8000, error: 'not in the layout', code: 'ERR_PUBLISH_SUBJECT_UNKNOWN' };
      await s.insert([row(1), row(2), row(3, { subjectDigest: other, subject: `r.example/app@${other}` }), row(4, { held })]);
      const r4 = (await s.get(row(4)))!;
      assert.deepEqual([r4.state, r4.attempts, r4.nextAttemptAt, r4.lastErrorCode, r4.lastError], ['pending', 0, 8000, 'ERR_PUBLISH_SUBJECT_UNKNOWN', 'not in the layout']);
      assert.deepEqual((await s.dueInLane('registry:r.example/app', 2000, 10)).map((r) => r.logIndex), [1, 2, 3]);
      // the rows due before the hold's end wait with it (row 4 already does); the other subject's row stays due
      assert.equal(await s.holdSubject(subject, { ...held, until: 9000 }, 2000), 3);
      assert.deepEqual((await s.dueInLane('registry:r.example/app', 2000, 10)).map((r) => r.logIndex), [3]);
      assert.equal((await s.get(row(1)))!.lastErrorCode, 'ERR_PUBLISH_SUBJECT_UNKNOWN');
      assert.equal((await s.get(row(1)))!.attempts, 0);
      assert.equal(await s.nextAttemptAfter(2000), 9000);
      // found: every waiting row of the subject is due at once
      await s.markPublished(row(2), { digest: 'sha256:' + 'b'.repeat(64), via: 'api' }, 2500);
      assert.equal(await s.releaseSubjects([subject.subjectDigest, `sha256:${'9'.repeat(64)}`], 3000), 2);
      assert.deepEqual((await s.dueInLane('registry:r.example/app', 3000, 10)).map((r) => r.logIndex), [3, 1, 4]);
      assert.equal((await s.get(row(2)))!.state, 'published');
    } finally {
      await s.close();
    }
  });
}
