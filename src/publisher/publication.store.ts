/**
 * The publisher's durable work list (its own SQLite file, `data/publisher.sqlite`): one row per
 * entry whose subject is a collection, keyed by its log index — where it goes, its state,
 * attempts, the next attempt time, the last error and the manifest digest once known.
 *
 * Durability: WAL. Inserts commit with synchronous=FULL (the WAL is fsynced, with every earlier
 * frame), so a recorded row survives a crash or power loss before the processor's checkpoint
 * moves past its event. State updates (`markPublished`, `markFailed`) commit with
 * synchronous=NORMAL: they survive a process crash, and a power loss may roll back the latest
 * ones — the rows are then attempted again, which is idempotent. (Measured: an fsync per update
 * on the main thread cost ≈ 3.7 ms of blocked event loop per publication, slowing registration.)
 * Rows are only inserted once per log index (re-delivered events are no-ops) and never deleted.
 * Nothing "in flight" is stored: after a crash every row that is not `published` is simply due
 * again, and a repeated push is idempotent (same manifest digest).
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** `pending`: not yet attempted (or first attempt running); `failed-retrying`: an attempt failed, another is scheduled. */
export type PublicationStateName = 'pending' | 'published' | 'failed-retrying';

/** Where a publication goes: a configured registry, or the embedded OCI layout. */
export type PublicationTargetKind = 'registry' | 'oci-layout';

/** A publication to record (from an `EntryRegistered` event). */
export interface NewPublication {
  readonly entryId: string;
  readonly logIndex: number;
  /** the statement's CWT `sub`: `[oci://]host/repo@sha256:…` */
  readonly subject: string;
  readonly registry: string;
  readonly repository: string;
  readonly subjectDigest: string;
  readonly targetKind: PublicationTargetKind;
  readonly artifactType: string;
  /** ms since the epoch */
  readonly createdAt: number;
  /** recorded waiting for its subject (held, not attempted): due at `until`, with the subject's error */
  readonly held?: SubjectHold;
}

/** Why and until when a subject's publications wait without being attempted (publication.worker.ts). */
export interface SubjectHold {
  /** ms since the epoch */
  readonly until: number;
  readonly error: string;
  readonly code: string;
}

/** One subject's publications in a lane: what `holdSubject` and `releaseSubject` update. */
export interface SubjectRef {
  readonly lane: string;
  readonly subjectDigest: string;
}

/** A stored publication row. */
export interface PublicationRecord extends NewPublication {
  readonly state: PublicationStateName;
  readonly attempts: number;
  /** ms since the epoch; meaningless once published */
  readonly nextAttemptAt: number;
  readonly lastError?: string;
  readonly lastErrorCode?: string;
  readonly digest?: string;
  /** `api` or `tag` for registries, `layout` for the OCI layout */
  readonly via?: string;
  readonly updatedAt: number;
  readonly publishedAt?: number;
}

/** A row as both stores select it (`COLUMNS`). */
export interface Row {
  entry_id: string;
  log_index: number;
  subject: string;
  registry: string;
  repository: string;
  subject_digest: string;
  target_kind: string;
  artifact_type: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_error_code: string | null;
  digest: string | null;
  via: string | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
}

export const toRecord = (r: Row): PublicationRecord => ({
  entryId: r.entry_id,
  logIndex: r.log_index,
  subject: r.subject,
  registry: r.registry,
  repository: r.repository,
  subjectDigest: r.subject_digest,
  targetKind: r.target_kind as PublicationTargetKind,
  artifactType: r.artifact_type,
  state: r.state as PublicationStateName,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  ...(r.last_error_code !== null ? { lastErrorCode: r.last_error_code } : {}),
  ...(r.digest !== null ? { digest: r.digest } : {}),
  ...(r.via !== null ? { via: r.via } : {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.published_at !== null ? { publishedAt: r.published_at } : {}),
});

/** The lane of a publication: one queue per (target, registry, repository). */
export const laneOf = (p: Pick<NewPublication, 'targetKind' | 'registry' | 'repository'>): string => `${p.targetKind}:${p.registry}/${p.repository}`;

export const COLUMNS =
  'entry_id, log_index, subject, registry, repository, subject_digest, target_kind, artifact_type, state, attempts, next_attempt_at, last_error, last_error_code, digest, via, created_at, updated_at, published_at';

/**
 * Which publication: its entry's id and log index. Each store looks it up by the one it keys on —
 * this file's SQLite store by the log index (its rowid), the PostgreSQL table by the entry id — and
 * answers nothing when the other does not match.
 */
export interface PublicationKey {
  readonly entryId: string;
  readonly logIndex: number;
}

/** How an attempt ended: published, or failed with the next attempt's time. */
export interface PublicationOutcome extends PublicationKey {
  readonly at: number;
  readonly published?: { readonly digest: string; readonly via: string };
  readonly failed?: { readonly error: string; readonly code: string; readonly nextAttemptAt: number; readonly digest?: string };
}

/** Counts by state, for health. */
export interface PublicationCounts {
  readonly pending: number;
  readonly published: number;
  readonly failedRetrying: number;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * The work list as the publisher and the status endpoint use it: this file's SQLite store (one
 * node), or the shared PostgreSQL table (several nodes: publication.pg-store.ts). Callers `await`
 * every answer, so both fit.
 */
export interface PublicationBook {
  insert(rows: readonly NewPublication[]): MaybePromise<number>;
  get(key: PublicationKey): MaybePromise<PublicationRecord | undefined>;
  dueLanes(now: number): MaybePromise<string[]>;
  dueInLane(lane: string, now: number, limit: number): MaybePromise<PublicationRecord[]>;
  nextAttemptAfter(now: number): MaybePromise<number | undefined>;
  markPublished(key: PublicationKey, result: { digest: string; via: string }, now: number): MaybePromise<void>;
  markFailed(key: PublicationKey, failure: { error: string; code: string; nextAttemptAt: number; digest?: string }, now: number): MaybePromise<void>;
  /** attempts' outcomes, together (one transaction where the store has them) */
  record(outcomes: readonly PublicationOutcome[]): MaybePromise<void>;
  /**
   * The subject's publications due before `hold.until` wait until then, unattempted, with the
   * subject's error (one statement for all of them); answers how many.
   */
  holdSubject(subject: SubjectRef, hold: SubjectHold, now: number): MaybePromise<number>;
  /** The waiting publications about these subject digests (in any lane) are due at `now`: their artifacts were found; answers how many. */
  releaseSubjects(subjectDigests: readonly string[], now: number): MaybePromise<number>;
  counts(): MaybePromise<PublicationCounts>;
  backlogByTarget(): MaybePromise<Record<string, number>>;
  close(): MaybePromise<void>;
}

/**
 * The table, keyed by log index: the rowid, so a row costs no second B-tree, and rows are appended
 * in order. (Keyed by the entry id until 2026-12: a random 64-character key whose index grew by one
 * random leaf page per row — bench:processors measured the change, docs/benchmarks.md.)
 */
const TABLE = (name: string): string => `
  CREATE TABLE IF NOT EXISTS ${name} (
    log_index INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, subject TEXT NOT NULL,
    registry TEXT NOT NULL, repository TEXT NOT NULL, subject_digest TEXT NOT NULL,
    target_kind TEXT NOT NULL, lane TEXT NOT NULL, artifact_type TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'failed-retrying')),
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
    last_error TEXT, last_error_code TEXT, digest TEXT, via TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, published_at INTEGER) STRICT;`;

/**
 * A work list written before 2026-12 (keyed by entry id) is rewritten keyed by log index, in one
 * transaction (`BEGIN IMMEDIATE`, the schema checked again inside it, so two connections opening
 * an old file move it once): every row and state is kept. Answers how many rows moved (0: nothing
 * to migrate). Only the publisher's connection moves it; the status endpoint's reads either shape.
 */
export function migrateEntryIdKey(db: Db): number {
  const oldShape = (): boolean => {
    const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'publications'`).pluck().get() as string | undefined;
    return sql !== undefined && /entry_id TEXT PRIMARY KEY/i.test(sql);
  };
  if (!oldShape()) return 0;
  return db.transaction(() => {
    if (!oldShape()) return 0;
    db.exec(`DROP TABLE IF EXISTS publications_by_index; ${TABLE('publications_by_index')}`);
    const moved = db
      .prepare(`INSERT INTO publications_by_index (${COLUMNS}, lane) SELECT ${COLUMNS}, lane FROM publications ORDER BY log_index`)
      .run().changes;
    db.exec(`DROP TABLE publications; ALTER TABLE publications_by_index RENAME TO publications;`);
    return moved;
  }).immediate();
}

export class PublicationStore implements PublicationBook {
  private readonly db: Db;
  private readonly q: Record<string, Statement>;
  /** lanes that may hold open publications (loaded once, grown on insert; a closed lane costs one probe) */
  private lanes: Set<string> | null = null;

  /**
   * Opens (creating) the store; `:memory:` for tests. `migrate: false` (the status endpoint's
   * reader) leaves a work list of the old shape to the publisher's connection ({@link migrateEntryIdKey}).
   */
  constructor(path: string, o: { readonly migrate?: boolean } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // the move wrote the whole table to the WAL once: give that space back now (the old table's
    // pages stay in the file, free, and new rows reuse them)
    if ((o.migrate ?? true) && migrateEntryIdKey(this.db) > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec(`${TABLE('publications')}
      CREATE INDEX IF NOT EXISTS publications_due ON publications (lane, next_attempt_at) WHERE state != 'published';
      CREATE INDEX IF NOT EXISTS publications_next ON publications (next_attempt_at) WHERE state != 'published';
      CREATE INDEX IF NOT EXISTS publications_subject ON publications (subject_digest, next_attempt_at) WHERE state != 'published';
    `);
    // each statement is prepared at its first use: the status endpoint's reader never prepares the
    // writes, which an old-shaped work list (before the publisher moved it) could not compile
    const p = (sql: string): (() => Statement) => {
      let st: Statement | undefined;
      return () => (st ??= this.db.prepare(sql));
    };
    const sqls = {
      insert: p(`INSERT INTO publications (entry_id, log_index, subject, registry, repository, subject_digest, target_kind, lane, artifact_type, state, attempts, next_attempt_at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (log_index) DO NOTHING`),
      insertHeld: p(`INSERT INTO publications (entry_id, log_index, subject, registry, repository, subject_digest, target_kind, lane, artifact_type, state, attempts, next_attempt_at, last_error, last_error_code, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?) ON CONFLICT (log_index) DO NOTHING`),
      hold: p(`UPDATE publications SET next_attempt_at = ?, last_error = ?, last_error_code = ?, updated_at = ? WHERE lane = ? AND subject_digest = ? AND state != 'published' AND next_attempt_at < ?`),
      release: p(`UPDATE publications SET next_attempt_at = ?, updated_at = ? WHERE subject_digest = ? AND state != 'published' AND next_attempt_at > ?`),
      get: p(`SELECT ${COLUMNS} FROM publications WHERE log_index = ?`),
      openLanes: p(`SELECT DISTINCT lane FROM publications WHERE state != 'published'`),
      laneDue: p(`SELECT 1 FROM publications WHERE lane = ? AND state != 'published' AND next_attempt_at <= ? LIMIT 1`),
      dueInLane: p(`SELECT ${COLUMNS} FROM publications WHERE lane = ? AND state != 'published' AND next_attempt_at <= ? ORDER BY next_attempt_at, log_index LIMIT ?`),
      nextAfter: p(`SELECT MIN(next_attempt_at) AS t FROM publications WHERE state != 'published' AND next_attempt_at > ?`),
      published: p(`UPDATE publications SET state = 'published', attempts = attempts + 1, digest = ?, via = ?, last_error = NULL, last_error_code = NULL, updated_at = ?, published_at = ? WHERE log_index = ? AND entry_id = ?`),
      failed: p(`UPDATE publications SET state = 'failed-retrying', attempts = attempts + 1, next_attempt_at = ?, last_error = ?, last_error_code = ?, digest = COALESCE(?, digest), updated_at = ? WHERE log_index = ? AND entry_id = ? AND state != 'published'`),
      counts: p(`SELECT state, COUNT(*) AS n FROM publications GROUP BY state`),
      backlog: p(`SELECT target_kind, registry, COUNT(*) AS n FROM publications WHERE state != 'published' GROUP BY target_kind, registry`),
    };
    this.q = Object.defineProperties({}, Object.fromEntries(Object.entries(sqls).map(([name, get]) => [name, { get }]))) as Record<string, Statement>;
  }

  /**
   * Records publications, all in one transaction; rows that exist already are left alone
   * (re-delivered events). Durable when it returns. A log index already recorded for another
   * entry throws (nothing is recorded): the file belongs to another log.
   */
  insert(rows: readonly NewPublication[]): number {
    let added = 0;
    this.db.pragma('synchronous = FULL');
    try {
      this.db.transaction(() => {
        for (const r of rows) {
          const at = r.createdAt;
          const changes = (
            r.held
              ? this.q.insertHeld.run(r.entryId, r.logIndex, r.subject, r.registry, r.repository, r.subjectDigest, r.targetKind, laneOf(r), r.artifactType, r.held.until, r.held.error, r.held.code, at, at)
              : this.q.insert.run(r.entryId, r.logIndex, r.subject, r.registry, r.repository, r.subjectDigest, r.targetKind, laneOf(r), r.artifactType, at, at, at)
          ).changes;
          if (changes === 0) this.sameEntry(r);
          added += changes;
          this.lanes?.add(laneOf(r));
        }
      })();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
    return added;
  }

  /** A re-delivered publication: the row at its log index must be its entry's. */
  private sameEntry(r: PublicationKey): void {
    const held = (this.q.get.get(r.logIndex) as Row | undefined)?.entry_id;
    if (held !== undefined && held !== r.entryId) {
      throw new Error(`the publisher's work list holds entry ${held} at log index ${r.logIndex}, not ${r.entryId}: it belongs to another log (OCI_PUBLISHER_DB)`);
    }
  }

  get(key: PublicationKey): PublicationRecord | undefined {
    const r = this.q.get.get(key.logIndex) as Row | undefined;
    return r && r.entry_id === key.entryId ? toRecord(r) : undefined;
  }

  /**
   * Lanes with at least one publication due at `now`: one index probe per known lane, so the cost
   * does not grow with the number of due rows (a GROUP BY over them did, quadratically under load).
   */
  dueLanes(now: number): string[] {
    this.lanes ??= new Set((this.q.openLanes.all() as { lane: string }[]).map((r) => r.lane));
    return [...this.lanes].filter((lane) => this.q.laneDue.get(lane, now) !== undefined);
  }

  /** Up to `limit` publications of `lane` due at `now`, oldest due first. */
  dueInLane(lane: string, now: number, limit: number): PublicationRecord[] {
    return (this.q.dueInLane.all(lane, now, limit) as Row[]).map(toRecord);
  }

  /** The earliest next attempt strictly after `now`, if any publication is waiting. */
  nextAttemptAfter(now: number): number | undefined {
    const r = this.q.nextAfter.get(now) as { t: number | null };
    return r.t ?? undefined;
  }

  markPublished(key: PublicationKey, result: { digest: string; via: string }, now: number): void {
    this.q.published.run(result.digest, result.via, now, now, key.logIndex, key.entryId);
  }

  markFailed(key: PublicationKey, failure: { error: string; code: string; nextAttemptAt: number; digest?: string }, now: number): void {
    this.q.failed.run(failure.nextAttemptAt, failure.error, failure.code, failure.digest ?? null, now, key.logIndex, key.entryId);
  }

  /** Records attempts' outcomes in one transaction (the worker's batch of finished attempts). */
  record(outcomes: readonly PublicationOutcome[]): void {
    if (outcomes.length === 0) return;
    this.db.transaction(() => {
      for (const o of outcomes) {
        if (o.published) this.markPublished(o, o.published, o.at);
        else this.markFailed(o, o.failed!, o.at);
      }
    })();
  }

  holdSubject(subject: SubjectRef, hold: SubjectHold, now: number): number {
    return this.q.hold.run(hold.until, hold.error, hold.code, now, subject.lane, subject.subjectDigest, hold.until).changes;
  }

  releaseSubjects(subjectDigests: readonly string[], now: number): number {
    let n = 0;
    this.db.transaction(() => {
      for (const d of subjectDigests) n += this.q.release.run(now, now, d, now).changes;
    })();
    return n;
  }

  counts(): PublicationCounts {
    const c = { pending: 0, published: 0, failedRetrying: 0 };
    for (const r of this.q.counts.all() as { state: string; n: number }[]) {
      if (r.state === 'pending') c.pending = r.n;
      else if (r.state === 'published') c.published = r.n;
      else if (r.state === 'failed-retrying') c.failedRetrying = r.n;
    }
    return c;
  }

  /** Publications not yet published, by target: the registry host, or `oci-layout` for the embedded layout. */
  backlogByTarget(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.q.backlog.all() as { target_kind: string; registry: string; n: number }[]) {
      const target = r.target_kind === 'registry' ? r.registry : 'oci-layout';
      out[target] = (out[target] ?? 0) + r.n;
    }
    return out;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
