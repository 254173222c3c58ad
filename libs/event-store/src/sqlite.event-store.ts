/**
 * The embedded adapter (the default: no server): one SQLite file via better-sqlite3.
 *
 * Durability: WAL with `synchronous=FULL` — SQLite fsyncs the WAL on every commit, before
 * `append` returns. One `BEGIN IMMEDIATE` transaction per append: the expected-revision check,
 * every insert and the commit happen under the write lock, so a multi-event append is atomic and
 * two writers (even in two processes) can't both win a revision. `UNIQUE (stream, revision)` is
 * the last line of defence. Positions are the table's integer rowid: strictly increasing in commit
 * order because SQLite has a single writer and rows are never deleted.
 *
 * Commit point: the `COMMIT` of the append's transaction. A crash before it leaves nothing of the
 * append (the WAL frames of an uncommitted transaction are ignored on recovery); after it, the
 * whole append is there. The crash test (`sqlite.crash.int.spec.ts`) kills a writer with SIGKILL
 * at random moments and checks exactly that.
 *
 * The driver is synchronous. This file is the engine and only the engine: it runs on the thread
 * that opens it. `openSqliteEventStore` (sqlite.factory.ts) chooses the thread: by default the
 * engine runs in a worker (sqlite.worker.ts, behind the proxy in sqlite-worker.event-store.ts) so
 * the fsync of each commit never stalls the event loop; with `worker: false` it runs here.
 * Measured in bench/store.bench.ts, recorded in docs/event-store.md.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConcurrencyError, EventStoreError, isEventStoreError } from './event-store.errors.js';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from './event-store.port.js';
import { DEFAULT_MAX_EVENT_BYTES, checkAfter, planReadStream, validateAppend, type ValidEvent } from './event-validation.js';
import { ChangeSignal, PagedSubscription, type PagedSubscriptionOptions } from './paged.subscription.js';
import { RecentEvents } from './recent-events.js';

/** The engine's options; `openSqliteEventStore` (sqlite.factory.ts) adds the `worker` switch. */
export interface SqliteEngineOptions extends PagedSubscriptionOptions {
  /** The database file, e.g. `data/events.sqlite` (its directory is created). */
  path: string;
  /** Limit on one event's data + metadata (default 4 MiB). */
  maxEventBytes?: number;
  /** The clock for `recordedAt` (default: the system clock). Can't cross to a worker thread. */
  now?: () => Date;
  /**
   * SQLite's `wal_autocheckpoint` for this connection, in pages (default 1000, SQLite's own; 0 turns
   * automatic checkpoints off). The committing thread runs those checkpoints itself — the copy of
   * the WAL into the database file and its fsync land on one unlucky append. With a
   * {@link startWalCheckpointer} running beside the store, set a large value here (a backstop).
   */
  autoCheckpointPages?: number;
  /**
   * Keep the last this many events read from `$all` in memory (default 0: none), so that several
   * subscriptions on this connection that follow the log together read each page once
   * (recent-events.ts). The processors' thread sets it.
   */
  recentEvents?: number;
}

const SCHEMA_VERSION = 1;
const MAX_POSITION = 2n ** 63n - 1n;
const READ_CHUNK = 512;

interface Row {
  position: bigint;
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  content_type: string;
  data: Buffer;
  /** null for empty metadata (the read's NULLIF) */
  metadata: Buffer | null;
  recorded_at: bigint;
}

/**
 * Opens (creating if needed) the embedded event store's engine on the calling thread. Callers use
 * `openSqliteEventStore` (sqlite.factory.ts), which puts it in a worker thread by default.
 */
export async function openSqliteEngine(opts: SqliteEngineOptions): Promise<EventStore> {
  let db: Database.Database;
  try {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    db = new Database(opts.path);
  } catch (err) {
    throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't open event store ${opts.path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    if (opts.autoCheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(opts.autoCheckpointPages))}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`schema version ${version} is newer than this code (${SCHEMA_VERSION})`);
    db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position     INTEGER PRIMARY KEY,
        stream       TEXT    NOT NULL,
        revision     INTEGER NOT NULL CHECK (revision >= 0),
        id           TEXT    NOT NULL,
        type         TEXT    NOT NULL,
        content_type TEXT    NOT NULL,
        data         BLOB    NOT NULL,
        metadata     BLOB    NOT NULL,
        recorded_at  INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  } catch (err) {
    db.close();
    throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't open event store ${opts.path}: ${(err as Error).message}`, { cause: err });
  }
  return new SqliteEventStore(db, opts);
}

class SqliteEventStore implements EventStore {
  readonly #db: Database.Database;
  readonly #opts: SqliteEngineOptions;
  readonly #changes = new ChangeSignal();
  readonly #subs = new Set<PagedSubscription>();
  readonly #q;
  readonly #appendTx: (stream: string, events: ValidEvent[], expected: ExpectedRevision, at: number) => AppendResult;
  readonly #recent: RecentEvents | undefined;

  constructor(db: Database.Database, opts: SqliteEngineOptions) {
    this.#db = db;
    this.#opts = opts;
    this.#recent = opts.recentEvents ? new RecentEvents(opts.recentEvents) : undefined;
    // empty metadata (the sequencer's events have none) reads as NULL: better-sqlite3 would give
    // each row a zero-length Buffer with an ArrayBuffer of its own (docs/benchmarks.md, #17 seventeenth pass)
    const cols = "position, stream, revision, id, type, content_type, data, NULLIF(metadata, x'') AS metadata, recorded_at";
    this.#q = {
      lastRevision: db.prepare<[string], { r: number | null }>('SELECT MAX(revision) AS r FROM events WHERE stream = ?'),
      insert: db.prepare('INSERT INTO events (stream, revision, id, type, content_type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').safeIntegers(true),
      forward: db.prepare<[string, number, number], Row>(`SELECT ${cols} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`).safeIntegers(true),
      backward: db.prepare<[string, number, number], Row>(`SELECT ${cols} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`).safeIntegers(true),
      all: db.prepare<[bigint, number], Row>(`SELECT ${cols} FROM events WHERE position > ? ORDER BY position LIMIT ?`).safeIntegers(true),
      head: db.prepare<[], { p: bigint | null }>('SELECT MAX(position) AS p FROM events').safeIntegers(true),
    };
    const q = this.#q;
    const tx = db.transaction((stream: string, events: ValidEvent[], expected: ExpectedRevision, at: number): AppendResult => {
      const last = q.lastRevision.get(stream)?.r ?? null;
      const actual = last === null ? 'no_stream' : last;
      const ok =
        expected === 'any' ||
        (expected === 'no_stream' && actual === 'no_stream') ||
        (expected === 'stream_exists' && actual !== 'no_stream') ||
        expected === actual;
      if (!ok) throw new ConcurrencyError(stream, expected, actual);
      let revision = last === null ? 0 : last + 1;
      let position = 0n;
      for (const e of events) {
        const info = q.insert.run(stream, revision, e.id, e.type, e.contentType, asBuffer(e.data), asBuffer(e.metadata), at);
        position = BigInt(info.lastInsertRowid);
        revision++;
      }
      return { nextExpectedRevision: revision - 1, position };
    });
    this.#appendTx = (...args) => tx.immediate(...args);
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.#open();
    // no private copies: the transaction below binds (SQLite copies) the bytes before this returns
    const valid = validateAppend(stream, events, expected, this.#opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, { copyBelow: Infinity });
    let result: AppendResult;
    try {
      result = this.#appendTx(stream, valid, expected, (this.#opts.now?.() ?? new Date()).getTime());
    } catch (err) {
      if (isEventStoreError(err)) throw err;
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        // Only reachable if another connection bypassed BEGIN IMMEDIATE; still a lost race.
        const last = this.#q.lastRevision.get(stream)?.r ?? null;
        throw new ConcurrencyError(stream, expected, last === null ? 'no_stream' : last, { cause: err });
      }
      throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't append to stream ${JSON.stringify(stream)}: ${(err as Error).message}`, { cause: err });
    }
    this.#changes.notify();
    return result;
  }

  async *readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const plan = planReadStream(stream, opts);
    this.#open();
    let remaining = plan.maxCount;
    let next: number;
    if (plan.forward) {
      if (plan.from === 'end') return;
      next = plan.from === 'start' ? 0 : plan.from;
    } else {
      next = plan.from === 'end' ? Number.MAX_SAFE_INTEGER : plan.from === 'start' ? 0 : plan.from;
    }
    while (remaining > 0 && next >= 0) {
      this.#open();
      const n = Math.min(READ_CHUNK, remaining);
      const rows = this.#read(() => (plan.forward ? this.#q.forward : this.#q.backward).all(stream, next, n), `stream ${JSON.stringify(stream)}`);
      for (const row of rows) yield toEvent(row);
      if (rows.length < n) return;
      remaining -= rows.length;
      const lastRev = Number(rows[rows.length - 1]!.revision);
      next = plan.forward ? lastRev + 1 : lastRev - 1;
    }
  }

  async readAll(opts: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    checkAfter(opts.after, opts.maxCount);
    this.#open();
    return this.#page(opts.after ?? 0n, opts.maxCount ?? 1000);
  }

  async headPosition(): Promise<bigint> {
    this.#open();
    return this.#read(() => this.#q.head.get()?.p ?? 0n, 'the head position');
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    this.#open();
    const source = { readPage: async (after: bigint, n: number) => (this.#open(), this.#page(after, n)), changes: this.#changes };
    const sub = new PagedSubscription(source, opts, this.#opts, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    for (const s of [...this.#subs]) await s.close();
    this.#db.close();
  }

  #page(after: bigint, maxCount: number): RecordedEvent[] {
    if (after >= MAX_POSITION) return [];
    const recent = this.#recent;
    if (!recent) return this.#read(() => this.#q.all.all(after, maxCount), '$all').map(toEvent);
    const held = recent.page(after, maxCount);
    if (held.length === maxCount) return held;
    // the rest of the page from the store, after the last event held
    const from = held.length > 0 ? held[held.length - 1]!.position : after;
    const read = this.#read(() => this.#q.all.all(from, maxCount - held.length), '$all').map(toEvent);
    recent.remember(from, read);
    return held.length === 0 ? read : held.concat(read);
  }

  #read<T>(f: () => T, what: string): T {
    try {
      return f();
    } catch (err) {
      throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't read ${what}: ${(err as Error).message}`, { cause: err });
    }
  }

  #open(): void {
    if (!this.#db.open) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't use event store ${this.#opts.path}: it is closed`);
  }
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The metadata of every event that has none: shared, as it holds nothing to change. */
const NO_METADATA = new Uint8Array(0);

function toEvent(r: Row): RecordedEvent {
  return {
    id: r.id,
    stream: r.stream,
    revision: Number(r.revision),
    position: r.position,
    type: r.type,
    data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    metadata: r.metadata === null ? NO_METADATA : new Uint8Array(r.metadata.buffer, r.metadata.byteOffset, r.metadata.byteLength),
    contentType: r.content_type,
    recordedAt: new Date(Number(r.recorded_at)),
  };
}
