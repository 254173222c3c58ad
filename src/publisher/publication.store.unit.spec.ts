import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PublicationStore, migrateEntryIdKey } from './publication.store.js';
import { publicationBookCases, publicationRow as row } from './test/publication-book.cases.js';

describe('PublicationStore', () => {
  publicationBookCases(() => new PublicationStore(':memory:'));

  it('is durable across reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'publisher-store-'));
    try {
      const a = new PublicationStore(join(dir, 'publisher.sqlite'));
      a.insert([row(7)]);
      a.markFailed(row(7), { error: 'e', code: 'ERR_OCI_UNAVAILABLE', nextAttemptAt: 42, digest: 'sha256:' + 'c'.repeat(64) }, 10);
      a.close();
      const b = new PublicationStore(join(dir, 'publisher.sqlite'));
      const r = b.get(row(7))!;
      assert.equal(r.state, 'failed-retrying');
      assert.equal(r.digest, 'sha256:' + 'c'.repeat(64));
      assert.deepEqual(b.dueLanes(42), ['registry:r.example/app']);
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second entry at a recorded log index (a work list of another log) and records nothing of its batch', () => {
    const s = new PublicationStore(':memory:');
    try {
      s.insert([row(1)]);
      const stranger = { ...row(1), entryId: 'f'.repeat(64) };
      assert.throws(() => s.insert([row(2), stranger]), /holds entry 0{63}1 at log index 1, not f{64}: it belongs to another log/);
      assert.equal(s.get(row(2)), undefined);
      assert.equal(s.get(stranger), undefined);
      // an outcome naming the other entry changes nothing
      s.markPublished(stranger, { digest: 'sha256:' + 'b'.repeat(64), via: 'api' }, 5);
      s.markFailed(stranger, { error: 'e', code: 'ERR_X', nextAttemptAt: 9 }, 5);
      assert.deepEqual([s.get(row(1))!.state, s.get(row(1))!.attempts], ['pending', 0]);
    } finally {
      s.close();
    }
  });

  it('moves a work list keyed by entry id (before 2026-12) to the log-index key, keeping every row and state', () => {
    const dir = mkdtempSync(join(tmpdir(), 'publisher-store-'));
    const path = join(dir, 'publisher.sqlite');
    try {
      const old = new Database(path);
      old.exec(`CREATE TABLE publications (
        entry_id TEXT PRIMARY KEY, log_index INTEGER NOT NULL, subject TEXT NOT NULL,
        registry TEXT NOT NULL, repository TEXT NOT NULL, subject_digest TEXT NOT NULL,
        target_kind TEXT NOT NULL, lane TEXT NOT NULL, artifact_type TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'failed-retrying')),
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
        last_error TEXT, last_error_code TEXT, digest TEXT, via TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, published_at INTEGER) STRICT;
        CREATE INDEX publications_due ON publications (lane, next_attempt_at) WHERE state != 'published';`);
      const put = old.prepare(`INSERT INTO publications VALUES (?, ?, 'r.example/app@sha256:${'a'.repeat(64)}', 'r.example', 'app', 'sha256:${'a'.repeat(64)}', 'registry', 'registry:r.example/app', 'application/scitt-receipt+cose', ?, ?, ?, ?, ?, ?, ?, 1000, ?, ?)`);
      put.run(row(3).entryId, 3, 'published', 1, 0, null, null, 'sha256:' + 'b'.repeat(64), 'api', 2000, 2000);
      put.run(row(1).entryId, 1, 'failed-retrying', 2, 7000, 'down', 'ERR_OCI_NETWORK', null, null, 1500, null);
      put.run(row(2).entryId, 2, 'pending', 0, 1000, null, null, null, null, 1000, null);
      old.close();

      // the status endpoint's reader opens first and reads the old shape; it moves nothing
      const reader = new PublicationStore(path, { migrate: false });
      assert.equal(reader.get(row(1))!.lastErrorCode, 'ERR_OCI_NETWORK');
      assert.equal(reader.get({ ...row(1), entryId: row(2).entryId }), undefined);

      const s = new PublicationStore(path);
      // … and reads on, across the publisher's move
      assert.deepEqual([reader.get(row(3))!.state, reader.counts()], ['published', { pending: 1, published: 1, failedRetrying: 1 }]);
      reader.close();
      const r1 = s.get(row(1))!;
      assert.deepEqual([r1.state, r1.attempts, r1.nextAttemptAt, r1.lastError, r1.lastErrorCode, r1.updatedAt], ['failed-retrying', 2, 7000, 'down', 'ERR_OCI_NETWORK', 1500]);
      assert.deepEqual([s.get(row(3))!.state, s.get(row(3))!.digest, s.get(row(3))!.publishedAt], ['published', 'sha256:' + 'b'.repeat(64), 2000]);
      assert.deepEqual(s.dueInLane('registry:r.example/app', 7000, 10).map((r) => r.logIndex), [2, 1]);
      assert.deepEqual(s.counts(), { pending: 1, published: 1, failedRetrying: 1 });
      assert.equal(s.insert([row(2), row(4)]), 1, 're-delivered rows stay single after the move');
      s.close();

      const db = new Database(path);
      try {
        const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'publications'`).pluck().get() as string;
        assert.match(sql, /log_index INTEGER PRIMARY KEY/);
        assert.deepEqual(db.prepare(`SELECT name FROM sqlite_master WHERE tbl_name = 'publications' AND type = 'index' ORDER BY name`).pluck().all(), ['publications_due', 'publications_next', 'publications_subject']);
        assert.equal(migrateEntryIdKey(db), 0, 'moved once');
        assert.equal(db.prepare('SELECT COUNT(*) FROM publications').pluck().get(), 4);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
