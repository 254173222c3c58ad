/**
 * The sequencer's derived store (its own SQLite file, `log-index.sqlite`): tree nodes for proofs,
 * entry id → index, checkpoints, and the right edge of the tree as a snapshot. Receipts are built
 * on read from the entry's checkpoint and the stored nodes (receipt.builder.ts): storing them cost
 * a write of ≈ 0.8 KB per entry in the sequencer's transaction for receipts nobody may ask for.
 *
 * Everything here is derived from the event stream and can be deleted: startup replays whatever
 * the stream holds beyond `appliedEvents`. So it is written with synchronous=NORMAL (a crash may
 * lose the last batches here, never in the event store) in one transaction per batch.
 *
 * The sequencer's thread writes it on the connection its hot reads use (receipts, proofs, the
 * dedupe lookups). Written by another connection (the event store's worker was measured), it would
 * cost this thread little less and the process more, and in WAL mode a connection drops its whole
 * page cache when another one has committed: receipts after each batch took ≈ 35 % longer
 * (docs/benchmarks.md, #17 fifteenth pass).
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { nodeBufferOf } from '../../libs/cose/src/index.js';
import { CompactRange, type NodeId, type NodeReader } from '../../libs/merkle/src/index.js';
import type { Checkpoint, LedgerEvent } from '../../libs/ledger/src/index.js';
import { buildReceiptFrom } from './receipt.builder.js';
import { TreeNodeCache } from './tree-node.cache.js';
import { nodePosition } from './node-position.js';
import { EntryIds } from './log-index.ids.js';
import { prepareLogIndexSchema } from './log-index.schema.js';
import { TILE_LEAVES, TILE_LEVELS, TileWriter, tileEntryId } from './log-index.tiles.js';
import { SharedReads } from './shared-reads.js';
import { allStored, toCheckpoint, toEntry, type BatchRecord, type CheckpointRow, type IndexedEntry, type Row } from './log-index.rows.js';

export type { BatchRecord, IndexedEntry } from './log-index.rows.js';

export class LogIndexStore implements NodeReader {
  private readonly db: Db;
  private readonly q: Record<string, Statement>;
  private readonly nodes: TreeNodeCache;
  /** levels 0–3 and entry ids, in tiles of 16 leaves (log-index.tiles.ts) */
  private readonly tiles: TileWriter;
  /**
   * The latest checkpoint as this instance wrote it (null: none yet; undefined: not read yet), kept
   * only by the file's writer (`keepLatest`): another instance on the same file (the processors'
   * thread) would never see it move, so it reads it from SQLite each time.
   */
  private latest: Checkpoint | null | undefined;
  private readonly keepLatest: boolean;
  /** lookups by entry id and statement id (log-index.ids.ts) */
  private readonly ids: EntryIds;
  /** resolves when the writer's id lookup holds every id the file held at open */
  readonly idsLoaded: Promise<void>;
  /** resolves when the writer has read the stored upper tree nodes into memory (`TreeNodeCache.warmInBackground`) */
  readonly nodesWarmed: Promise<void>;
  /** the writer's hot reads share a read transaction per turn of the event loop (shared-reads.ts) */
  private readonly reads: SharedReads | undefined;

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
    prepareLogIndexSchema(this.db);
    const p = (sql: string): Statement => this.db.prepare(sql);
    const cols = 'idx, entry_id, statement_id, iss, sub, content_type, kid, registered_at, receipt_size';
    this.q = {
      meta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      putNode: p('INSERT OR REPLACE INTO tree_nodes (pos, hash) VALUES (?, ?)'),
      putEntry: p('INSERT INTO entries (idx, entry_id, statement_id, iss, sub, content_type, kid, registered_at, receipt_size, entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
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
      // A receipt in one statement (receiptIfAt): the first checkpoint above the entry's index (its
      // batch's), the entry's tile and, when that checkpoint ends inside another tile, that tile too.
      receiptRow: p(`SELECT c.tree_size, c.root, c.protected, c.signature, c.signed_at, a.nodes AS a_nodes, a.ids AS a_ids, b.nodes AS b_nodes
        FROM (SELECT tree_size, root, protected, signature, signed_at FROM checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT 1) c
        LEFT JOIN tiles a ON a.t = ?
        LEFT JOIN tiles b ON b.t = (c.tree_size - 1) / ${TILE_LEAVES} AND b.t <> ? AND c.tree_size % ${TILE_LEAVES} <> 0`),
      entriesFrom: p(`SELECT ${cols}, entry FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?`),
      entrySizesFrom: p('SELECT idx, length(entry) AS bytes FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?'),
    };
    this.tiles = new TileWriter(this.db, this.keepLatest);
    this.nodes = new TreeNodeCache(this.db, undefined, (t) => this.tiles.open(t));
    this.ids = new EntryIds(this.db, this.keepLatest);
    this.idsLoaded = this.ids.loaded;
    this.nodesWarmed = this.keepLatest ? this.nodes.warmInBackground(() => !this.db.open) : Promise.resolve();
    this.reads = this.keepLatest ? new SharedReads(this.db) : undefined;
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
    this.reads?.end();
    try {
      this.db.transaction(() => {
        for (const n of b.nodes) {
          if (n.level < TILE_LEVELS) this.tiles.put(n.level, n.index, n.hash);
          else this.q.putNode.run(nodePosition(n.level, n.index), nodeBufferOf(n.hash));
        }
        for (const e of b.entries) {
          this.q.putEntry.run(e.index, e.entryId, e.statementId, e.iss, e.sub, e.contentType, e.kid, e.registeredAt, e.receiptTreeSize, e.entry);
          this.tiles.putId(e.index, e.entryId);
        }
        this.tiles.flush();
        this.ids.write(b.entries);
        const c = b.checkpoint;
        this.q.putCheckpoint.run(c.treeSize, nodeBufferOf(c.root), c.protectedHeader, nodeBufferOf(c.signature), c.signedAt);
        const st = b.range.state();
        this.q.setMeta.run('range', JSON.stringify({ size: st.size, hashes: st.hashes.map((h) => Buffer.from(h).toString('base64')) }));
        this.q.setMeta.run('appliedEvents', String(b.appliedEvents));
      })();
    } catch (err) {
      this.tiles.forget();
      throw err;
    }
    this.latest = b.checkpoint;
    this.ids.written(b.entries);
  }

  /** Record that non-log events (keys, policy) were applied, so replay does not revisit them. */
  setAppliedEvents(n: number): void {
    this.reads?.end();
    this.q.setMeta.run('appliedEvents', String(n));
  }

  /** Remember a service event (key added, policy changed) for the keys endpoint and auditors. */
  recordServiceEvent(event: LedgerEvent, appliedEvents: number): void {
    this.reads?.end();
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
    this.reads?.end();
    this.q.setMeta.run(key, value);
  }

  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    this.reads?.share();
    return allStored(ids, this.nodes.lookupMany(ids));
  }

  /**
   * {@link getNodes} for the inclusion proof of leaf `leafIndex`, with what else the proof's answer
   * needs from the index read in the same SQLite statement: the leaf hash (its level-0 node) and,
   * with `withEntryId`, the id of the entry at `leafIndex` (a proof asked for by index).
   */
  proofNodes(ids: readonly NodeId[], leafIndex: number, withEntryId: boolean): { hashes: Uint8Array[]; leafHash: Uint8Array | undefined; entryId: string | undefined } {
    this.reads?.share();
    const all = [...ids, { level: 0, index: leafIndex }];
    const r = this.nodes.lookupManyWithEntryId(all, withEntryId ? leafIndex : undefined);
    const leafHash = r.hashes.pop();
    return { hashes: allStored(ids, r.hashes), leafHash, entryId: r.entryId };
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

  /**
   * Where entry `entryId` probably is, read from nothing (the id lookup's first candidate): the
   * caller confirms it against the entry id at that index (a proof reads it with its tile) and
   * asks {@link indexOf} when it differs or is undefined.
   */
  likelyIndexOf(entryId: string): number | undefined {
    return this.ids.entryCandidate(entryId);
  }

  /** The log index of entry `entryId`. */
  indexOf(entryId: string): number | undefined {
    this.reads?.share();
    return this.ids.findEntry<{ entry_id: string; idx: number }>(entryId, this.q.receiptAt)?.idx;
  }

  entryById(entryId: string): IndexedEntry | undefined {
    const r = this.ids.findEntry<Row>(entryId, this.q.byIndex);
    return r && toEntry(r);
  }

  /** The entry that registered this statement first (docs/receipts.md "Statement identity"). */
  entryByStatement(statementId: string): IndexedEntry | undefined {
    const r = this.ids.findStatement<Row>(statementId, this.q.byIndex);
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
    return new Set(statementIds.filter((id) => this.ids.findStatement(id, this.q.statementAt) !== undefined));
  }

  entryByIndex(index: number): IndexedEntry | undefined {
    const r = this.q.byIndex.get(index) as Row | undefined;
    return r && toEntry(r);
  }

  entryBytes(entryId: string): Uint8Array | undefined {
    const r = this.ids.findEntry<{ entry_id: string; entry: Buffer }>(entryId, this.q.entryBytesAt);
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
    this.reads?.share();
    const at = this.ids.entryCandidate(entryId);
    const fast = at === undefined ? undefined : this.receiptIfAt(at, entryId);
    if (fast) return fast;
    const r = this.ids.findEntry<{ entry_id: string; idx: number; receipt_size: number }>(entryId, this.q.receiptAt);
    return r && this.receiptFor(r.idx, r.receipt_size);
  }

  /**
   * The receipt of entry `entryId` if it is at log index `at` (the id lookup's candidate), from one
   * statement: its checkpoint is the first one above `at` — one checkpoint closes each batch and
   * the entry's `receipt_size` is its batch's (replay keeps the boundaries) —, and its tile holds
   * the path's lower nodes and the id that confirms the candidate. Undefined when the candidate is
   * not `entryId` (the caller then asks the id lookup for certain).
   */
  private receiptIfAt(at: number, entryId: string): Uint8Array | undefined {
    const t = Math.floor(at / TILE_LEAVES);
    const r = this.q.receiptRow.get(at, t, t) as (CheckpointRow & { a_nodes: Buffer | null; a_ids: Buffer | null; b_nodes: Buffer | null }) | undefined;
    if (!r?.a_nodes || !r.a_ids || tileEntryId(r.a_ids, at) !== entryId) return undefined;
    const tiles = new Map<number, Buffer>([[t, r.a_nodes]]);
    if (r.b_nodes) tiles.set(Math.floor((r.tree_size - 1) / TILE_LEAVES), r.b_nodes);
    return buildReceiptFrom(toCheckpoint(r), at, (ids) => this.nodes.lookupMany(ids, tiles));
  }

  /** The receipt of `entry` (read by index: no lookup by id). */
  receiptOfEntry(entry: IndexedEntry): Uint8Array {
    this.reads?.share();
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
    this.reads?.end();
    this.db.close();
  }
}
