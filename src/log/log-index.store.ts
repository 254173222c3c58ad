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
import { IdFilter, loadIdFilter } from './id-filter.js';

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

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS tree_nodes (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY, entry_id TEXT NOT NULL UNIQUE, iss TEXT NOT NULL, sub TEXT NOT NULL,
    content_type TEXT NOT NULL, kid TEXT NOT NULL, registered_at TEXT NOT NULL, receipt_size INTEGER NOT NULL,
    entry BLOB NOT NULL, statement_id TEXT NOT NULL);
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
  /** the ids the log may hold (the writer's only: it sees every write), filled in the background at open */
  private readonly ids: IdFilter | undefined;
  /** resolves when {@link ids} is ready (or could not be filled) */
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
    this.db.exec('CREATE INDEX IF NOT EXISTS entries_by_statement ON entries (statement_id, idx)');
    const p = (sql: string): Statement => this.db.prepare(sql);
    const cols = 'idx, entry_id, statement_id, iss, sub, content_type, kid, registered_at, receipt_size';
    this.q = {
      meta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      putNode: p('INSERT OR REPLACE INTO tree_nodes (pos, hash) VALUES (?, ?)'),
      putEntry: p('INSERT INTO entries (idx, entry_id, statement_id, iss, sub, content_type, kid, registered_at, receipt_size, entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      putCheckpoint: p('INSERT OR REPLACE INTO checkpoints (tree_size, root, protected, signature, signed_at) VALUES (?, ?, ?, ?, ?)'),
      byId: p(`SELECT ${cols} FROM entries WHERE entry_id = ?`),
      // the first entry of a statement (a log written before statement identity may hold twins)
      byStatement: p(`SELECT ${cols} FROM entries WHERE statement_id = ? ORDER BY idx LIMIT 1`),
      // one lookup for registration's dedupe: the entry itself if stored, else the statement's first
      byIdOrStatement: p(`SELECT ${cols} FROM entries WHERE entry_id = @entryId OR statement_id = @statementId ORDER BY entry_id = @entryId DESC, idx LIMIT 1`),
      // which of a batch's statement ids the log already holds (one call per batch, not per statement)
      knownStatements: p('SELECT DISTINCT statement_id FROM entries WHERE statement_id IN (SELECT value FROM json_each(?))').pluck(),
      byIndex: p(`SELECT ${cols} FROM entries WHERE idx = ?`),
      entryBytes: p('SELECT entry FROM entries WHERE entry_id = ?'),
      receiptOf: p('SELECT idx, receipt_size FROM entries WHERE entry_id = ?'),
      idAt: p('SELECT entry_id FROM entries WHERE idx = ?').pluck(),
      indexOf: p('SELECT idx FROM entries WHERE entry_id = ?').pluck(),
      checkpoint: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints WHERE tree_size = ?'),
      latestCheckpoint: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1'),
      issuerOf: p('SELECT iss, kid, sub FROM entries WHERE entry_id = ?'),
      checkpointsAfter: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT ?'),
      checkpointAtOrAfter: p('SELECT tree_size, root, protected, signature, signed_at FROM checkpoints WHERE tree_size >= ? ORDER BY tree_size LIMIT 1'),
      entriesFrom: p(`SELECT ${cols}, entry FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?`),
      entrySizesFrom: p('SELECT idx, length(entry) AS bytes FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?'),
    };
    this.nodes = new TreeNodeCache(this.db);
    if (this.keepLatest) {
      const ids = (this.ids = new IdFilter(2 * ((this.db.prepare('SELECT MAX(idx) FROM entries').pluck().get() as number | null) ?? 0)));
      // each from its covering index, in order (the entries' bytes are not read)
      const entryIds = this.db.prepare('SELECT entry_id FROM entries WHERE entry_id > ? ORDER BY entry_id LIMIT ?').pluck();
      const statementIds = this.db.prepare('SELECT statement_id FROM entries INDEXED BY entries_by_statement WHERE statement_id > ? ORDER BY statement_id LIMIT ?').pluck();
      this.idsLoaded = loadIdFilter(ids, [(after, n) => entryIds.all(after, n) as string[], (after, n) => statementIds.all(after, n) as string[]]);
    } else {
      this.idsLoaded = Promise.resolve();
    }
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
      const c = b.checkpoint;
      this.q.putCheckpoint.run(c.treeSize, c.root, c.protectedHeader, c.signature, c.signedAt);
      const st = b.range.state();
      this.q.setMeta.run('range', JSON.stringify({ size: st.size, hashes: st.hashes.map((h) => Buffer.from(h).toString('base64')) }));
      this.q.setMeta.run('appliedEvents', String(b.appliedEvents));
    })();
    this.latest = b.checkpoint;
    if (this.ids) {
      for (const e of b.entries) {
        this.ids.add(e.entryId);
        this.ids.add(e.statementId);
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

  /** The log index of entry `entryId` (one narrow read). */
  indexOf(entryId: string): number | undefined {
    return this.q.indexOf.get(entryId) as number | undefined;
  }

  /**
   * The log index of a version without statement ids is rebuilt from the event store: a derived
   * store, so dropping it loses nothing (startup replays the stream into it).
   */
  private migrate(): void {
    const columns = this.db.prepare('PRAGMA table_info(entries)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'statement_id')) {
      this.db.exec('DROP TABLE entries; DROP TABLE IF EXISTS nodes; DROP TABLE tree_nodes; DROP TABLE checkpoints; DELETE FROM meta;');
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
  }

  entryById(entryId: string): IndexedEntry | undefined {
    const r = this.q.byId.get(entryId) as Row | undefined;
    return r && toEntry(r);
  }

  /** The entry that registered this statement first (docs/receipts.md "Statement identity"). */
  entryByStatement(statementId: string): IndexedEntry | undefined {
    const r = this.q.byStatement.get(statementId) as Row | undefined;
    return r && toEntry(r);
  }

  /**
   * Registration's dedupe in one lookup: the entry `entryId` if the log holds it, else the first
   * entry of statement `statementId` (a twin), else undefined. The writer answers "neither" from
   * its id filter without SQLite when it can (id-filter.ts).
   */
  entryByIdOrStatement(entryId: string, statementId: string): IndexedEntry | undefined {
    if (this.ids && !this.ids.mightHold(entryId) && !this.ids.mightHold(statementId)) return undefined;
    const r = this.q.byIdOrStatement.get({ entryId, statementId }) as Row | undefined;
    return r && toEntry(r);
  }

  /** The statement ids among `statementIds` that the log holds (usually none). */
  knownStatements(statementIds: readonly string[]): Set<string> {
    const maybe = this.ids ? statementIds.filter((id) => this.ids!.mightHold(id)) : statementIds;
    if (maybe.length === 0) return new Set();
    return new Set(this.q.knownStatements.all(JSON.stringify(maybe)) as string[]);
  }

  entryByIndex(index: number): IndexedEntry | undefined {
    const r = this.q.byIndex.get(index) as Row | undefined;
    return r && toEntry(r);
  }

  entryBytes(entryId: string): Uint8Array | undefined {
    const r = this.q.entryBytes.get(entryId) as { entry: Buffer } | undefined;
    return r && new Uint8Array(r.entry);
  }

  /**
   * The entry's receipt: its inclusion proof at the checkpoint it was sequenced under, built from
   * the stored nodes and signed by that checkpoint — the bytes the sequencer returned at
   * registration. Undefined for an entry the log does not hold.
   */
  receipt(entryId: string): Uint8Array | undefined {
    const r = this.q.receiptOf.get(entryId) as { idx: number; receipt_size: number } | undefined;
    if (!r) return undefined;
    const cp = this.checkpointOfReceipts(r.receipt_size);
    return buildReceiptFrom(cp, r.idx, (ids) => this.nodes.lookupMany(ids));
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
    return this.q.issuerOf.get(entryId) as { iss: string; kid: string; sub: string } | undefined;
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
