/**
 * The sequencer's derived store (its own SQLite file, `log-index.sqlite`): tree nodes for proofs,
 * entry id → index, checkpoints, and the right edge of the tree as a snapshot. Receipts are built
 * on read from the entry's checkpoint and the stored nodes (receipt.builder.ts): storing them cost
 * a write of ≈ 0.8 KB per entry in the sequencer's transaction for receipts nobody may ask for.
 *
 * Everything here is derived from the event stream and can be deleted: startup replays whatever
 * the stream holds beyond `appliedEvents`. So it is written with synchronous=NORMAL (a crash may
 * lose the last batches here, never in the event store) in one transaction per batch.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { CompactRange, type NodeId, type NodeReader } from '../../libs/merkle/src/index.js';
import type { Checkpoint, LedgerEvent, NodeWrite } from '../../libs/ledger/src/index.js';
import { buildReceiptFrom } from './receipt.builder.js';
import { TreeNodeCache, nodePosition } from './tree-node.cache.js';
import { IdLocator, idKey } from './id-locator.js';

export interface IndexedEntry {
  readonly index: number;
  readonly entryId: string;
  /** what the issuer signed, independent of the signature's encoding (docs/receipts.md) */
  readonly statementId: string;
  readonly iss: string;
  readonly sub: string;
  readonly contentType: string;
  readonly kid: string;
  readonly registeredAt: string;
  /** the checkpoint (tree size) the entry's receipt is signed at */
  readonly receiptTreeSize: number;
}

export interface BatchRecord {
  readonly entries: readonly (IndexedEntry & { readonly entry: Uint8Array })[];
  readonly nodes: readonly NodeWrite[];
  readonly checkpoint: Checkpoint;
  readonly range: CompactRange;
  /** number of stream events applied once this batch is written */
  readonly appliedEvents: number;
}

interface Row {
  idx: number;
  entry_id: string;
  statement_id: string;
  iss: string;
  sub: string;
  content_type: string;
  kid: string;
  registered_at: string;
  receipt_size: number;
}

const toEntry = (r: Row): IndexedEntry => ({
  index: r.idx,
  entryId: r.entry_id,
  statementId: r.statement_id,
  iss: r.iss,
  sub: r.sub,
  contentType: r.content_type,
  kid: r.kid,
  registeredAt: r.registered_at,
  receiptTreeSize: r.receipt_size,
});

interface CheckpointRow {
  tree_size: number;
  root: Buffer;
  protected: Buffer;
  signature: Buffer;
  signed_at: string;
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  treeSize: r.tree_size,
  root: new Uint8Array(r.root),
  protectedHeader: new Uint8Array(r.protected),
  signature: new Uint8Array(r.signature),
  signedAt: r.signed_at,
});

/** The entries by log index; their ids are found through `id_keys` and the locators (id-locator.ts), no SQLite index. */
const ENTRIES = `(
    idx INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, iss TEXT NOT NULL, sub TEXT NOT NULL,
    content_type TEXT NOT NULL, kid TEXT NOT NULL, registered_at TEXT NOT NULL, receipt_size INTEGER NOT NULL,
    entry BLOB NOT NULL, statement_id TEXT NOT NULL)`;
const ENTRY_COLUMNS = 'idx, entry_id, iss, sub, content_type, kid, registered_at, receipt_size, entry, statement_id';

interface IdRow {
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

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS tree_nodes (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS entries ${ENTRIES};
  CREATE TABLE IF NOT EXISTS id_keys (first_idx INTEGER PRIMARY KEY, keys BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS checkpoints (tree_size INTEGER PRIMARY KEY, root BLOB NOT NULL, protected BLOB NOT NULL, signature BLOB NOT NULL, signed_at TEXT NOT NULL);
`;

export class LogIndexStore implements NodeReader {
  private readonly db: Db;
  private readonly q: Record<string, Statement>;
  private readonly nodes: TreeNodeCache;
  /**
   * The latest checkpoint as this instance wrote it (null: none yet; undefined: not read yet), kept
   * only by the file's writer (`keepLatest`): another instance on the same file (the processors'
   * thread) would never see it move, so it reads it from SQLite each time.
   */
  private latest: Checkpoint | null | undefined;
  private readonly keepLatest: boolean;
  /**
   * Where the log holds each entry id and statement id (id-locator.ts), filled from `id_keys`
   * (a row per batch: from its first log index on, each entry's {@link idKey} of its entry id and
   * of its statement id, little-endian 32-bit words, so a load reads one row per batch):
   * the writer's in the background at open (a lookup before it is done finishes it at once), and
   * kept by its own writes; another instance's on its first lookup by id, then caught up before each.
   */
  private readonly entryIds: IdLocator;
  private readonly statementIds: IdLocator;
  /** the entries below this log index are in the locators */
  private located = 0;
  /** the index the writer's background load stops at (the writer adds what it writes itself) */
  private loadUntil: number | undefined;
  /** resolves when the locators hold every id the file held at open (the writer's) */
  readonly idsLoaded: Promise<void>;

  /**
   * `autoCheckpointPages`: SQLite's `wal_autocheckpoint` (default 1000); the service sets a large
   * backstop and checkpoints from a background thread instead (libs/event-store wal-checkpointer).
   * `keepLatest`: this instance is the file's only writer (the service's sequencer or follower), so
   * it keeps the latest checkpoint in memory.
   */
  constructor(path: string, opts: { readonly autoCheckpointPages?: number; readonly keepLatest?: boolean } = {}) {
    this.keepLatest = opts.keepLatest ?? false;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    if (opts.autoCheckpointPages !== undefined) this.db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(opts.autoCheckpointPages))}`);
    this.db.exec(SCHEMA);
    this.migrate();
    const p = (sql: string): Statement => this.db.prepare(sql);
    const cols = 'idx, entry_id, statement_id, iss, sub, content_type, kid, registered_at, receipt_size';
    this.q = {
      meta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      putNode: p('INSERT OR REPLACE INTO tree_nodes (pos, hash) VALUES (?, ?)'),
      putEntry: p('INSERT INTO entries (idx, entry_id, statement_id, iss, sub, content_type, kid, registered_at, receipt_size, entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      putKeys: p('INSERT INTO id_keys (first_idx, keys) VALUES (?, ?)'),
      keysFrom: p('SELECT first_idx, keys FROM id_keys WHERE first_idx >= ? AND first_idx < ? ORDER BY first_idx LIMIT ?').raw(),
      nextIndex: p('SELECT coalesce((SELECT first_idx + length(keys) / 8 FROM id_keys ORDER BY first_idx DESC LIMIT 1), 0)').pluck(),
      putCheckpoint: p('INSERT OR REPLACE INTO checkpoints (tree_size, root, protected, signature, signed_at) VALUES (?, ?, ?, ?, ?)'),
      byIndex: p(`SELECT ${cols} FROM entries WHERE idx = ?`),
      entryBytesAt: p('SELECT entry_id, entry FROM entries WHERE idx = ?'),
      receiptAt: p('SELECT idx, entry_id, receipt_size FROM entries WHERE idx = ?'),
      statementAt: p('SELECT idx, statement_id FROM entries WHERE idx = ?'),
      idAt: p('SELECT entry_id FROM entries WHERE idx = ?').pluck(),
      checkpoint: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints WHERE tree_size = ?'),
      latestCheckpoint: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1'),
      checkpointsAfter: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT ?'),
      checkpointAtOrAfter: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints WHERE tree_size >= ? ORDER BY tree_size LIMIT 1'),
      entriesFrom: p(`SELECT ${cols}, entry FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?`),
      entrySizesFrom: p('SELECT idx, length(entry) AS bytes FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?'),
    };
    this.nodes = new TreeNodeCache(this.db);
    // sized for what the file holds now (the writer's): no doubling while they load
    const held = this.keepLatest ? (this.q.nextIndex.get() as number) : 0;
    this.entryIds = new IdLocator(held);
    this.statementIds = new IdLocator(held);
    if (this.keepLatest) {
      this.loadUntil = held;
      this.idsLoaded = this.loadInBackground();
    } else {
      this.idsLoaded = Promise.resolve();
    }
  }

  /**
   * Fills the locators from `id_keys` up to {@link loadUntil} in chunks, pausing between them at
   * least twice as long as a chunk took (a third of the event loop at most). A closed file stops it;
   * a lookup meanwhile finishes it synchronously ({@link locate}).
   */
  private async loadInBackground(): Promise<void> {
    let worked = 0;
    while (this.located < this.loadUntil!) {
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(2, 2 * worked)));
      if (!this.db.open) return;
      const started = performance.now();
      this.locateRows(this.loadUntil!, 5_000);
      worked = performance.now() - started;
    }
  }

  /** Adds the `id_keys` rows (batches) from {@link located} below `until` (at most `limit`) to the locators. */
  private locateRows(until: number, limit: number): void {
    const rows = this.q.keysFrom.all(this.located, until, limit) as [number, Buffer][];
    for (const [first, keys] of rows) {
      const n = keys.length >>> 3;
      for (let k = 0; k < n; k++) {
        this.entryIds.addKey(keys.readUInt32LE(8 * k), first + k);
        this.statementIds.addKey(keys.readUInt32LE(8 * k + 4), first + k);
      }
      this.located = first + n;
    }
    if (rows.length < limit && until !== Number.MAX_SAFE_INTEGER) this.located = until;
  }

  /**
   * Brings the locators up to what the file holds (the writer: what it held at open; it adds its
   * own writes). True when it added any.
   */
  private locate(): boolean {
    const before = this.located;
    if (this.loadUntil === undefined) this.locateRows(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    else if (this.located < this.loadUntil) this.locateRows(this.loadUntil, Number.MAX_SAFE_INTEGER);
    return this.located !== before;
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

  private findEntry<T extends { entry_id: string }>(entryId: string, read: Statement): T | undefined {
    return this.find<T>(this.entryIds, entryId, read, (r) => r.entry_id === entryId);
  }

  /** The first entry of statement `statementId` as `read` gives it (a log written before statement identity may hold twins). */
  private findStatement<T extends { statement_id: string }>(statementId: string, read: Statement): T | undefined {
    return this.find<T>(this.statementIds, statementId, read, (r) => r.statement_id === statementId);
  }

  /** Number of stream events already applied here (0 for a new index). */
  appliedEvents(): number {
    const r = this.q.meta.get('appliedEvents') as { value: string } | undefined;
    return r ? Number(r.value) : 0;
  }

  /** The right edge of the tree as of {@link appliedEvents}. */
  range(): CompactRange {
    const r = this.q.meta.get('range') as { value: string } | undefined;
    if (!r) return new CompactRange();
    const s = JSON.parse(r.value) as { size: number; hashes: string[] };
    return CompactRange.fromState({ size: s.size, hashes: s.hashes.map((h) => new Uint8Array(Buffer.from(h, 'base64'))) });
  }

  /** Write one sequenced batch, all or nothing. */
  writeBatch(b: BatchRecord): void {
    this.db.transaction(() => {
      for (const n of b.nodes) this.q.putNode.run(nodePosition(n.level, n.index), n.hash);
      for (const e of b.entries) {
        this.q.putEntry.run(e.index, e.entryId, e.statementId, e.iss, e.sub, e.contentType, e.kid, e.registeredAt, e.receiptTreeSize, e.entry);
      }
      if (b.entries.length > 0) this.q.putKeys.run(b.entries[0]!.index, keysOf(b.entries));
      const c = b.checkpoint;
      this.q.putCheckpoint.run(c.treeSize, c.root, c.protectedHeader, c.signature, c.signedAt);
      const st = b.range.state();
      this.q.setMeta.run('range', JSON.stringify({ size: st.size, hashes: st.hashes.map((h) => Buffer.from(h).toString('base64')) }));
      this.q.setMeta.run('appliedEvents', String(b.appliedEvents));
    })();
    this.latest = b.checkpoint;
    if (this.keepLatest) {
      for (const e of b.entries) {
        this.entryIds.add(e.entryId, e.index);
        this.statementIds.add(e.statementId, e.index);
      }
    }
  }

  /** Record that non-log events (keys, policy) were applied, so replay does not revisit them. */
  setAppliedEvents(n: number): void {
    this.q.setMeta.run('appliedEvents', String(n));
  }

  /** Remember a service event (key added, policy changed) for the keys endpoint and auditors. */
  recordServiceEvent(event: LedgerEvent, appliedEvents: number): void {
    this.db.transaction(() => {
      if (event.type === 'ServiceKeyAdded') {
        const keys = this.serviceKeys();
        const kid = Buffer.from(event.kid).toString('hex');
        if (!keys.some((k) => k.kid === kid)) keys.push({ kid, coseKey: Buffer.from(event.coseKey).toString('base64'), addedAt: event.addedAt });
        this.q.setMeta.run('serviceKeys', JSON.stringify(keys));
      } else if (event.type === 'PolicyChanged') {
        this.q.setMeta.run('policy', JSON.stringify({ digest: event.digest, changedAt: event.changedAt }));
      }
      this.q.setMeta.run('appliedEvents', String(appliedEvents));
    })();
  }

  /** Every service key the log has announced, oldest first (retired keys stay listed). */
  serviceKeys(): { kid: string; coseKey: string; addedAt: string }[] {
    const v = this.getMeta('serviceKeys');
    return v ? JSON.parse(v) : [];
  }

  /** The digest of the policy in force, as recorded in the log. */
  policyDigest(): string | undefined {
    const v = this.getMeta('policy');
    return v ? (JSON.parse(v) as { digest: string }).digest : undefined;
  }

  getMeta(key: string): string | undefined {
    return (this.q.meta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.q.setMeta.run(key, value);
  }

  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    const hashes = this.nodes.lookupMany(ids);
    hashes.forEach((h, i) => {
      if (!h) throw new Error(`couldn't read tree node (${ids[i]!.level}, ${ids[i]!.index}): not stored`);
    });
    return hashes as Uint8Array[];
  }

  /** One stored tree node, undefined when it is not stored. */
  node(level: number, index: number): Uint8Array | undefined {
    return this.nodes.lookup(level, index);
  }

  /** The leaf hash of entry `index` (its level-0 node), undefined beyond the index. */
  leafHash(index: number): Uint8Array | undefined {
    return this.nodes.lookup(0, index);
  }

  /** The entry id at log index `index` (one narrow read). */
  entryIdAt(index: number): string | undefined {
    return this.q.idAt.get(index) as string | undefined;
  }

  /** The log index of entry `entryId`. */
  indexOf(entryId: string): number | undefined {
    return this.findEntry<{ entry_id: string; idx: number }>(entryId, this.q.receiptAt)?.idx;
  }

  /**
   * The log index of a version without statement ids is rebuilt from the event store: a derived
   * store, so dropping it loses nothing (startup replays the stream into it).
   */
  private migrate(): void {
    const columns = this.db.prepare('PRAGMA table_info(entries)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'statement_id')) {
      this.db.exec('DROP TABLE entries; DROP TABLE IF EXISTS nodes; DROP TABLE tree_nodes; DROP TABLE id_keys; DROP TABLE checkpoints; DELETE FROM meta;');
      this.db.exec(SCHEMA);
      return;
    }
    // stored receipts (before receipts were built on read): the column goes, the rest stays valid
    if (columns.some((c) => c.name === 'receipt')) this.db.exec('ALTER TABLE entries DROP COLUMN receipt');
    // tree nodes keyed by (level, index), before post-order positions (tree-node.cache.ts): moved over, in key order
    if (this.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'nodes'").get()) {
      this.db.function('scitt_node_position', { deterministic: true }, (level, index) => nodePosition(Number(level), Number(index)));
      this.db.transaction(() => this.db.exec('INSERT OR REPLACE INTO tree_nodes (pos, hash) SELECT scitt_node_position(level, idx), hash FROM nodes ORDER BY 1; DROP TABLE nodes;'))();
    }
    // entries whose ids SQLite indexed (UNIQUE entry_id, entries_by_statement), before the locators:
    // the table is copied without the indexes (a UNIQUE constraint can't be dropped) and id_keys filled
    if (this.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entries'").get()) {
      this.db.transaction(() => {
        this.db.exec(`CREATE TABLE entries_unindexed ${ENTRIES};
          INSERT INTO entries_unindexed (${ENTRY_COLUMNS}) SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY idx;
          DROP TABLE entries;
          ALTER TABLE entries_unindexed RENAME TO entries;
          DELETE FROM id_keys;`);
        const ids = this.db.prepare('SELECT idx AS "index", entry_id AS entryId, statement_id AS statementId FROM entries WHERE idx >= ? ORDER BY idx LIMIT 256');
        const put = this.db.prepare('INSERT INTO id_keys (first_idx, keys) VALUES (?, ?)');
        for (let rows = ids.all(0) as IdRow[]; rows.length > 0; rows = ids.all(rows[rows.length - 1]!.index + 1) as IdRow[]) {
          // runs of consecutive indexes (a log index has no gaps; this keeps a row's meaning if one had)
          let from = 0;
          for (let k = 1; k <= rows.length; k++) {
            if (k < rows.length && rows[k]!.index === rows[k - 1]!.index + 1) continue;
            put.run(rows[from]!.index, keysOf(rows.slice(from, k)));
            from = k;
          }
        }
      })();
    }
  }

  entryById(entryId: string): IndexedEntry | undefined {
    const r = this.findEntry<Row>(entryId, this.q.byIndex);
    return r && toEntry(r);
  }

  /** The entry that registered this statement first (docs/receipts.md "Statement identity"). */
  entryByStatement(statementId: string): IndexedEntry | undefined {
    const r = this.findStatement<Row>(statementId, this.q.byIndex);
    return r && toEntry(r);
  }

  /**
   * Registration's dedupe in one lookup: the entry `entryId` if the log holds it, else the first
   * entry of statement `statementId` (a twin), else undefined. "Neither", nearly every
   * registration's answer, comes from the locators without SQLite.
   */
  entryByIdOrStatement(entryId: string, statementId: string): IndexedEntry | undefined {
    return this.entryById(entryId) ?? this.entryByStatement(statementId);
  }

  /** The statement ids among `statementIds` that the log holds (usually none). */
  knownStatements(statementIds: readonly string[]): Set<string> {
    return new Set(statementIds.filter((id) => this.findStatement(id, this.q.statementAt) !== undefined));
  }

  entryByIndex(index: number): IndexedEntry | undefined {
    const r = this.q.byIndex.get(index) as Row | undefined;
    return r && toEntry(r);
  }

  entryBytes(entryId: string): Uint8Array | undefined {
    const r = this.findEntry<{ entry_id: string; entry: Buffer }>(entryId, this.q.entryBytesAt);
    return r && new Uint8Array(r.entry);
  }

  /** The bytes of entry `index`, when its id is `entryId` (a reader that knows the index: no lookup by id). */
  entryBytesAt(index: number, entryId: string): Uint8Array | undefined {
    const r = this.q.entryBytesAt.get(index) as { entry_id: string; entry: Buffer } | undefined;
    return r?.entry_id === entryId ? new Uint8Array(r.entry) : undefined;
  }

  /**
   * The entry's receipt: its inclusion proof at the checkpoint it was sequenced under, built from
   * the stored nodes and signed by that checkpoint — the bytes the sequencer returned at
   * registration. Undefined for an entry the log does not hold.
   */
  receipt(entryId: string): Uint8Array | undefined {
    const r = this.findEntry<{ entry_id: string; idx: number; receipt_size: number }>(entryId, this.q.receiptAt);
    return r && this.receiptFor(r.idx, r.receipt_size);
  }

  /** The receipt of `entry` (read by index: no lookup by id). */
  receiptOfEntry(entry: IndexedEntry): Uint8Array {
    return this.receiptFor(entry.index, entry.receiptTreeSize);
  }

  private receiptFor(index: number, receiptTreeSize: number): Uint8Array {
    const cp = this.checkpointOfReceipts(receiptTreeSize);
    return buildReceiptFrom(cp, index, (ids) => this.nodes.lookupMany(ids));
  }

  /** Checkpoints by tree size (immutable once stored), for receipts: a few recent ones cached. */
  private readonly receiptCheckpoints = new Map<number, Checkpoint>();
  private checkpointOfReceipts(treeSize: number): Checkpoint {
    let cp = this.receiptCheckpoints.get(treeSize);
    if (cp) return cp;
    cp = this.checkpoint(treeSize);
    if (!cp) throw new Error(`couldn't build a receipt: the log index holds no checkpoint at tree size ${treeSize}`);
    return cp;
  }

  private rememberCheckpoint(cp: Checkpoint): Checkpoint {
    if (this.receiptCheckpoints.size >= 256) this.receiptCheckpoints.delete(this.receiptCheckpoints.keys().next().value!);
    this.receiptCheckpoints.set(cp.treeSize, cp);
    return cp;
  }

  issuerOf(entryId: string): { iss: string; kid: string; sub: string } | undefined {
    const e = this.entryById(entryId);
    return e && { iss: e.iss, kid: e.kid, sub: e.sub };
  }

  /**
   * The checkpoint signed at `treeSize`, or the latest. Both are answered from memory when they can
   * be (the latest is kept; checkpoints by size are immutable and a few are cached): proofs and
   * receipts ask on every request.
   */
  checkpoint(treeSize?: number): Checkpoint | undefined {
    if (treeSize === undefined) {
      if (this.latest !== undefined && this.keepLatest) return this.latest ?? undefined;
      const r = this.q.latestCheckpoint.get() as CheckpointRow | undefined;
      this.latest = r ? toCheckpoint(r) : null;
      return this.latest ?? undefined;
    }
    if (this.latest?.treeSize === treeSize) return this.latest; // immutable once signed, whoever reads
    const cached = this.receiptCheckpoints.get(treeSize);
    if (cached) return cached;
    const r = this.q.checkpoint.get(treeSize) as CheckpointRow | undefined;
    return r && this.rememberCheckpoint(toCheckpoint(r));
  }

  /** Checkpoints with tree size > `afterSize`, ascending (auditors walk them all). */
  checkpoints(afterSize: number, limit: number): Checkpoint[] {
    return (this.q.checkpointsAfter.all(afterSize, limit) as CheckpointRow[]).map(toCheckpoint);
  }

  /** The first checkpoint that covers `treeSize` entries (the smallest signed size ≥ treeSize). */
  checkpointCovering(treeSize: number): Checkpoint | undefined {
    const r = this.q.checkpointAtOrAfter.get(treeSize) as CheckpointRow | undefined;
    return r && toCheckpoint(r);
  }

  /** Entries in log order from index `start`, with their bytes (log replay). */
  entriesFrom(start: number, limit: number): (IndexedEntry & { readonly entry: Uint8Array })[] {
    return (this.q.entriesFrom.all(start, limit) as (Row & { entry: Buffer })[]).map((r) => ({ ...toEntry(r), entry: new Uint8Array(r.entry) }));
  }

  /** The byte length of each entry from index `start` (without reading the entries: pages plan their reads with it). */
  entrySizesFrom(start: number, limit: number): { index: number; bytes: number }[] {
    return (this.q.entrySizesFrom.all(start, limit) as { idx: number; bytes: number }[]).map((r) => ({ index: r.idx, bytes: r.bytes }));
  }

  close(): void {
    this.db.close();
  }
}
