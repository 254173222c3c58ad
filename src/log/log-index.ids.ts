/**
 * The log index's lookup of entries by entry id and by statement id (log-index.store.ts): no SQLite
 * index on those random SHA-256 ids — each would have written one random b-tree page per entry —
 * but an `id_keys` row per batch (from its first log index on, each entry's {@link idKey} of its
 * entry id and of its statement id, little-endian 32-bit words) and two in-memory
 * {@link IdLocator}s filled from it: the writer's in the background at open (a lookup before it is
 * done finishes it at once) and kept by its own writes; another instance's on its first lookup,
 * then caught up from the file on a miss. A lookup reads its candidates' rows by log index and
 * compares the whole id. The claims projection keeps the same for its rows (`claim_ids`,
 * claims.projection.ts): a claim's row number is its log index.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { inBackgroundChunks } from './background-chunks.js';
import { IdLocator, idKey } from './id-locator.js';

/** Most entries in a `claim_ids` row (rows start at multiples of it or where a run of indexes does). */
export const CHUNK = 256;
/** ids read at a time while loading (≈ 40 KB of keys): rows of a batch's or of a chunk's */
const LOAD_IDS = 5_000;

/** An entry's place and ids, as `id_keys` records them. */
export interface IdRow {
  readonly index: number;
  readonly entryId: string;
  readonly statementId: string;
}

/** An `id_keys` row's keys: per entry, in log order, the key of its entry id and of its statement id. */
function keysOf(entries: readonly IdRow[]): Buffer {
  const keys = Buffer.allocUnsafe(8 * entries.length);
  entries.forEach((e, k) => {
    keys.writeUInt32LE(idKey(e.entryId), 8 * k);
    keys.writeUInt32LE(idKey(e.statementId), 8 * k + 4);
  });
  return keys;
}

/**
 * The runs of consecutive indexes in `entries` (in log order), also split between two indexes
 * `split` names (a log index has no gaps; the runs keep a row's meaning if a log had one).
 */
function* runsOf(entries: readonly IdRow[], split: (a: number, b: number) => boolean = () => false): Generator<readonly IdRow[]> {
  let from = 0;
  for (let k = 1; k <= entries.length; k++) {
    if (k < entries.length && entries[k]!.index === entries[k - 1]!.index + 1 && !split(entries[k - 1]!.index, entries[k]!.index)) continue;
    yield entries.slice(from, k);
    from = k;
  }
}

/**
 * Files the ids of a row's entries `from` to `n` (exclusive) in `locator`: the row starts at log
 * index `first`; `word` 0 takes their entry-id keys, 1 their statement-id keys.
 */
function locateKeys(locator: IdLocator, keys: Buffer, first: number, from: number, n: number, word: 0 | 1): void {
  for (let k = from; k < n; k++) locator.addKey(keys.readUInt32LE(8 * k + 4 * word), first + k);
}

/** Between two `claim_ids` chunks. */
const acrossChunks = (a: number, b: number): boolean => Math.floor(a / CHUNK) !== Math.floor(b / CHUNK);

/**
 * Fills `id_keys` from the `entries` table (a file converted from SQLite-indexed ids), in rows of at
 * most 256 consecutive log indexes. Runs inside the caller's transaction.
 */
export function fillIdKeys(db: Db): void {
  db.exec('DELETE FROM id_keys');
  const ids = db.prepare('SELECT idx AS "index", entry_id AS entryId, statement_id AS statementId FROM entries WHERE idx >= ? ORDER BY idx LIMIT 256');
  const put = db.prepare('INSERT INTO id_keys (first_idx, keys) VALUES (?, ?)');
  for (let rows = ids.all(0) as IdRow[]; rows.length > 0; rows = ids.all(rows[rows.length - 1]!.index + 1) as IdRow[]) {
    for (const run of runsOf(rows)) put.run(run[0]!.index, keysOf(run));
  }
}

export class EntryIds {
  /** undefined until the first {@link findEntry} when built with `lazyEntryIds` */
  private entryIds: IdLocator | undefined;
  private readonly statementIds: IdLocator;
  private readonly putKeys: Statement;
  private readonly lastRow: Statement;
  private readonly setKeys: Statement;
  private readonly keysFrom: Statement;
  /** the rows may grow after they were read (`claim_ids`): the next read starts again at the last one */
  private readonly rowsGrow: boolean;
  /** the first index of the last row read */
  private lastRead = 0;
  /** rows read at a time while loading */
  private readonly loadRows: number;
  /** the entries below this log index are in the locators */
  private located = 0;
  /** the index the writer's background load stops at (the writer adds what it writes itself) */
  private readonly loadUntil: number | undefined;
  /** resolves when the locators hold every id the file held at open (the writer's) */
  readonly loaded: Promise<void>;
  /** {@link stop}ped: the background load ends (its table may be dropped: a rebuilt projection) */
  private stopped = false;
  /** the writer's own entries below this log index are in the locators ({@link written}) */
  private writtenUntil = 0;

  /**
   * `writer`: this instance sees every write to the file (it keeps its locators itself). `table`:
   * where the rows are (`id_keys`, the log index's: a row per batch, never changed; `claim_ids`, the
   * claims projection's: rows of at most {@link CHUNK} entries that later batches extend, see
   * {@link writeChunked}). `lazyEntryIds`: the entry-id table is built only at the first
   * {@link findEntry} (the claims projection looks entries up by entry id only for revocations and
   * explicit supersession; a log without them never pays the table: 12 MB at 10⁶ entries).
   */
  constructor(
    private readonly db: Db,
    private readonly writer: boolean,
    table: 'id_keys' | 'claim_ids' = 'id_keys',
    lazyEntryIds = false,
  ) {
    this.putKeys = db.prepare(`INSERT INTO ${table} (first_idx, keys) VALUES (?, ?)`);
    this.lastRow = db.prepare(`SELECT first_idx, keys FROM ${table} ORDER BY first_idx DESC LIMIT 1`).raw();
    this.setKeys = db.prepare(`UPDATE ${table} SET keys = ? WHERE first_idx = ?`);
    this.keysFrom = db.prepare(`SELECT first_idx, keys FROM ${table} WHERE first_idx >= ? AND first_idx < ? ORDER BY first_idx LIMIT ?`).raw();
    this.rowsGrow = table === 'claim_ids';
    this.loadRows = this.rowsGrow ? Math.ceil(LOAD_IDS / CHUNK) : LOAD_IDS;
    // sized for what the file holds now (the writer's): no growing while they load
    const held = writer ? (db.prepare(`SELECT coalesce((SELECT first_idx + length(keys) / 8 FROM ${table} ORDER BY first_idx DESC LIMIT 1), 0)`).pluck().get() as number) : 0;
    this.entryIds = lazyEntryIds ? undefined : new IdLocator(held);
    this.statementIds = new IdLocator(held);
    if (writer) {
      this.loadUntil = held;
      this.loaded = this.loadInBackground();
    } else {
      this.loaded = Promise.resolve();
    }
  }

  /** Records a batch's ids (in the caller's transaction): a row per run of consecutive indexes. */
  write(entries: readonly IdRow[]): void {
    for (const run of runsOf(entries)) this.putKeys.run(run[0]!.index, keysOf(run));
  }

  /**
   * Records entries' ids (in the caller's transaction) in rows that do not depend on how the
   * entries were batched: each row a run of consecutive indexes inside one {@link CHUNK}-aligned
   * stretch, the last row extended while the run goes on. Replayed in other batches, a log gives
   * the same rows (the projection contract), and 10⁶ entries take ≈ 4,000 rows, not 10⁶.
   */
  writeChunked(entries: readonly IdRow[]): void {
    if (entries.length === 0) return;
    let last = this.lastRow.get() as [number, Buffer] | undefined;
    for (const run of runsOf(entries, acrossChunks)) {
      const start = run[0]!.index;
      const keys = keysOf(run);
      if (last !== undefined && last[0] + last[1].length / 8 === start && !acrossChunks(last[0], start)) {
        last = [last[0], Buffer.concat([last[1], keys])];
        this.setKeys.run(last[1], last[0]);
      } else {
        last = [start, keys];
        this.putKeys.run(start, keys);
      }
    }
  }

  /** After the batch's transaction committed: the writer adds its ids to the locators. */
  written(entries: readonly IdRow[]): void {
    if (!this.writer) return;
    for (const e of entries) {
      this.entryIds?.add(e.entryId, e.index);
      this.statementIds.add(e.statementId, e.index);
      if (e.index >= this.writtenUntil) this.writtenUntil = e.index + 1;
    }
  }

  /** Ends the background load; lookups still work (they load what they need at once). */
  stop(): void {
    this.stopped = true;
  }

  /** The row `read` gives (by log index) for entry `entryId`, undefined when the log does not hold it. */
  findEntry<T extends { entry_id: string }>(entryId: string, read: Statement): T | undefined {
    return this.find<T>(this.entryIds ?? this.entryLocator(), entryId, read, (r) => r.entry_id === entryId);
  }

  /**
   * The first log index filed under `entryId`'s key, read from nothing: a guess the caller must
   * confirm against the whole id (undefined: none filed yet, which a lookup by {@link findEntry}
   * still answers).
   */
  entryCandidate(entryId: string): number | undefined {
    return (this.entryIds ?? this.entryLocator()).candidates(entryId)[0];
  }

  /** Bytes the locators' tables take (the entry-id table's only once built). */
  get bytes(): number {
    return (this.entryIds?.bytes ?? 0) + this.statementIds.bytes;
  }

  /**
   * Builds the entry-id table (`lazyEntryIds`) from every row up to what the statement-id table
   * holds (its load finished first), in chunks; from then on both tables grow together.
   */
  private entryLocator(): IdLocator {
    this.locate();
    const until = Math.max(this.located, this.writtenUntil);
    const locator = new IdLocator(until);
    for (let from = 0; ; ) {
      const rows = this.keysFrom.all(from, until, this.loadRows) as [number, Buffer][];
      for (const [first, keys] of rows) locateKeys(locator, keys, first, 0, Math.min(keys.length >>> 3, until - first), 0);
      if (rows.length < this.loadRows) break;
      from = rows[rows.length - 1]![0] + 1;
    }
    this.entryIds = locator;
    return locator;
  }

  /** The row `read` gives for the first entry of statement `statementId` (a log written before statement identity may hold twins). */
  findStatement<T extends { statement_id: string }>(statementId: string, read: Statement): T | undefined {
    return this.find<T>(this.statementIds, statementId, read, (r) => r.statement_id === statementId);
  }

  /**
   * The row `read` gives for the first candidate of `id` in `locator` whose row `matches`. Ids are
   * never removed, so a hit needs no catch-up; a miss catches up with the file once (another
   * instance's writes, or the writer's load not done yet) and, if that added any, looks again.
   */
  private find<T>(locator: IdLocator, id: string, read: Statement, matches: (row: T) => boolean): T | undefined {
    do {
      for (const index of locator.candidates(id)) {
        const r = read.get(index) as T | undefined;
        if (r !== undefined && matches(r)) return r;
      }
    } while (this.locate());
    return undefined;
  }

  /**
   * Fills the locators from `id_keys` up to {@link loadUntil} in chunks ({@link inBackgroundChunks}:
   * a third of the event loop at most). A closed file stops it;
   * a lookup meanwhile finishes it synchronously ({@link locate}).
   */
  private loadInBackground(): Promise<void> {
    const left = (): boolean => this.located < this.loadUntil!;
    if (!left()) return Promise.resolve();
    return inBackgroundChunks(
      () => {
        if (left()) this.locateRows(this.loadUntil!, this.loadRows);
        return left();
      },
      () => !this.db.open || this.stopped,
    );
  }

  /**
   * Adds the ids of the rows from {@link located} below `until` (at most `limit` rows) to the
   * locators; true when there may be more.
   */
  private locateRows(until: number, limit: number): boolean {
    // a row that grows is read again from its start (its ids already added are skipped below); the
    // next read starts at the last row's own key, so each full read moves on (rows have distinct keys)
    const rows = this.keysFrom.all(this.rowsGrow ? this.lastRead : this.located, until, limit) as [number, Buffer][];
    for (const [first, keys] of rows) {
      // the writer's rows may have grown past `until` since it opened: it added those ids itself
      const n = Math.min(keys.length >>> 3, until - first);
      const from = Math.max(0, this.located - first);
      if (this.entryIds) locateKeys(this.entryIds, keys, first, from, n, 0);
      locateKeys(this.statementIds, keys, first, from, n, 1);
      this.located = Math.max(this.located, first + n);
      this.lastRead = first;
    }
    if (rows.length < limit) {
      if (until !== Number.MAX_SAFE_INTEGER) this.located = until;
      return false;
    }
    return true;
  }

  /**
   * Brings the locators up to what the file holds (the writer: what it held at open; it adds its
   * own writes). True when it added any.
   */
  private locate(): boolean {
    const before = this.located;
    // in chunks of rows: one read of a whole file's rows would hold them all in memory at once
    if (this.loadUntil === undefined) while (this.locateRows(Number.MAX_SAFE_INTEGER, this.loadRows));
    else if (this.located < this.loadUntil) while (this.locateRows(this.loadUntil, this.loadRows));
    return this.located !== before;
  }
}
