/**
 * The log index's lower tree as tiles (log-index.store.ts, tree-node.cache.ts): per 16 leaves one
 * `tiles` row holding their levels 0–3 (30 nodes, 960 bytes) and their 16 entry ids (512 bytes),
 * so an inclusion proof by index — the path's nodes below the cached levels, the leaf hash and the
 * entry id — is one primary-key seek and one row, where it was five or six seeks into two tables
 * (the entries table is most of the file, so its seek alone was a random page read).
 *
 * A tile's nodes are kept in their post-order slots ({@link slotOf}: a perfect subtree's nodes
 * are consecutive in the post-order an append-only tree completes them, `nodePosition`), its ids
 * by leaf; each blob ends at its last stored slot, so the open tile at the log's right edge grows
 * batch by batch (the writer rewrites that one row, ≤ 1.5 KB). A slot not stored reads as 32 zero
 * bytes — not a SHA-256 value anyone can produce — and means "not stored", as an absent row did.
 * Levels from 4 up stay in `tree_nodes`, keyed by position (kept in memory once read).
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { nodePosition } from './node-position.js';

/** levels 0 … TILE_LEVELS − 1 are in tiles */
export const TILE_LEVELS = 4;
export const TILE_LEAVES = 2 ** TILE_LEVELS;
/** nodes in a full tile: 16 + 8 + 4 + 2 */
export const TILE_NODES = 2 * TILE_LEAVES - 2;
const HASH = 32;

/** SLOTS[level][j]: the slot of the tile's j-th node of `level` (its post-order position in a tree of 16 leaves) */
const SLOTS: readonly (readonly number[])[] = Array.from({ length: TILE_LEVELS }, (_, level) =>
  Array.from({ length: TILE_LEAVES >>> level }, (_, j) => nodePosition(level, j)),
);

/** The tile holding node (level, index), level < {@link TILE_LEVELS}. */
export const tileOf = (level: number, index: number): number => Math.floor(index / (TILE_LEAVES >>> level));

/** The slot of node (level, index) in its tile. */
export const slotOf = (level: number, index: number): number => SLOTS[level]![index % (TILE_LEAVES >>> level)]!;

/** The 32 bytes at `slot` of a tile's blob, undefined past its end or where nothing was stored (zeros). */
function slice32(blob: Uint8Array, slot: number): Uint8Array | undefined {
  const at = HASH * slot;
  if (at + HASH > blob.length) return undefined;
  for (let i = at; i < at + HASH; i++) if (blob[i] !== 0) return blob.subarray(at, at + HASH);
  return undefined;
}

/** Node (level, index)'s hash in its tile's `nodes` blob. */
export const tileNode = (nodes: Uint8Array, level: number, index: number): Uint8Array | undefined => slice32(nodes, slotOf(level, index));

/** The entry id of log index `index` in its tile's `ids` blob (lowercase hex, as entry ids are). */
export function tileEntryId(ids: Uint8Array, index: number): string | undefined {
  const id = slice32(ids, index % TILE_LEAVES);
  return id && Buffer.from(id.buffer, id.byteOffset, HASH).toString('hex');
}

const ENTRY_ID = /^[0-9a-f]{64}$/;

interface OpenTile {
  readonly t: number;
  readonly nodes: Buffer;
  readonly ids: Buffer;
  /** bytes in use: each blob up to its last stored slot */
  nodesEnd: number;
  idsEnd: number;
}

/**
 * Writes tree nodes of levels 0–3 and entry ids into their tiles, in the caller's transaction
 * ({@link put}, {@link putId}, then {@link flush}). `keepOpen`: this instance is the file's only
 * writer, so it keeps the right edge's tile in memory from one batch to the next instead of
 * reading it back; after a failed transaction {@link forget} drops it.
 */
export class TileWriter {
  private readonly read: Statement;
  private readonly write: Statement;
  private kept: OpenTile | undefined;
  private readonly dirty = new Map<number, OpenTile>();

  constructor(
    db: Db,
    private readonly keepOpen: boolean,
  ) {
    this.read = db.prepare('SELECT nodes, ids FROM tiles WHERE t = ?').raw();
    this.write = db.prepare('INSERT OR REPLACE INTO tiles (t, nodes, ids) VALUES (?, ?, ?)');
  }

  /** Node (level, index), level < {@link TILE_LEVELS}. */
  put(level: number, index: number, hash: Uint8Array): void {
    this.putSlot(tileOf(level, index), slotOf(level, index), hash);
  }

  /** A node by its tile and slot (a file converted from positions: the slot is the position less the tile's first). */
  putSlot(t: number, slot: number, hash: Uint8Array): void {
    if (hash.length !== HASH) throw new Error(`a tree node is ${HASH} bytes, not ${hash.length}`);
    const tile = this.tile(t);
    const at = HASH * slot;
    tile.nodes.set(hash, at);
    if (at + HASH > tile.nodesEnd) tile.nodesEnd = at + HASH;
  }

  /** The entry id of log index `index`: 64 lowercase hex digits (entryIdOf), stored as its 32 bytes. */
  putId(index: number, entryId: string): void {
    if (!ENTRY_ID.test(entryId)) throw new Error(`entry id ${JSON.stringify(entryId)} at index ${index} is not 64 lowercase hex digits`);
    const tile = this.tile(Math.floor(index / TILE_LEAVES));
    const at = HASH * (index % TILE_LEAVES);
    tile.ids.write(entryId, at, HASH, 'hex');
    if (at + HASH > tile.idsEnd) tile.idsEnd = at + HASH;
  }

  /** Writes the tiles changed since the last flush; the writer keeps the last one open. */
  flush(): void {
    let last: OpenTile | undefined;
    for (const tile of this.dirty.values()) {
      this.write.run(tile.t, tile.nodes.subarray(0, tile.nodesEnd), tile.ids.subarray(0, tile.idsEnd));
      if (!last || tile.t > last.t) last = tile;
    }
    this.dirty.clear();
    if (this.keepOpen && last && (!this.kept || last.t >= this.kept.t)) this.kept = last;
  }

  /**
   * The open tile's stored nodes and ids when it is tile `t`: the right edge's tile, which every
   * proof in a tree whose size is not a multiple of 16 reads, answered without SQLite. Only between
   * batches (what is kept was committed: a failed batch {@link forget}s it); slots already stored
   * never change, later batches only add.
   */
  open(t: number): [Uint8Array, Uint8Array] | undefined {
    const tile = this.kept;
    if (tile?.t !== t || this.dirty.size > 0) return undefined;
    const { nodes, ids } = tile; // plain views (answers are Uint8Arrays, not Buffers)
    return [new Uint8Array(nodes.buffer, nodes.byteOffset, tile.nodesEnd), new Uint8Array(ids.buffer, ids.byteOffset, tile.idsEnd)];
  }

  /** After a failed transaction: what is kept may hold writes that were rolled back. */
  forget(): void {
    this.kept = undefined;
    this.dirty.clear();
  }

  private tile(t: number): OpenTile {
    let tile = this.dirty.get(t);
    if (tile) return tile;
    tile = this.kept?.t === t ? this.kept : this.load(t);
    this.dirty.set(t, tile);
    return tile;
  }

  private load(t: number): OpenTile {
    const row = this.read.get(t) as [Buffer, Buffer] | undefined;
    const tile: OpenTile = { t, nodes: Buffer.alloc(HASH * TILE_NODES), ids: Buffer.alloc(HASH * TILE_LEAVES), nodesEnd: 0, idsEnd: 0 };
    if (row) {
      tile.nodesEnd = row[0].copy(tile.nodes, 0, 0, Math.min(row[0].length, tile.nodes.length));
      tile.idsEnd = row[1].copy(tile.ids, 0, 0, Math.min(row[1].length, tile.ids.length));
    }
    return tile;
  }
}

/**
 * Moves a file's levels 0–3 from `tree_nodes` (keyed by position) into tiles, with the entry ids
 * of `entries`, and deletes those rows from `tree_nodes` (an index written before tiles). Runs
 * inside the caller's transaction; a tile at a time, in log order.
 */
export function fillTiles(db: Db): void {
  const maxPos = (db.prepare('SELECT max(pos) FROM tree_nodes').pluck().get() as number | null) ?? -1;
  const maxIdx = (db.prepare('SELECT max(idx) FROM entries').pluck().get() as number | null) ?? -1;
  const nodesIn = db.prepare('SELECT pos, hash FROM tree_nodes WHERE pos BETWEEN ? AND ?').raw();
  const idsIn = db.prepare('SELECT idx, entry_id FROM entries WHERE idx BETWEEN ? AND ?').raw();
  const drop = db.prepare('DELETE FROM tree_nodes WHERE pos BETWEEN ? AND ?');
  const writer = new TileWriter(db, false);
  for (let t = 0; ; t++) {
    const base = nodePosition(TILE_LEVELS, t) - TILE_NODES; // the tile's first slot: its subtree's nodes end at its root
    if (base > maxPos && t * TILE_LEAVES > maxIdx) break;
    for (const [pos, hash] of nodesIn.all(base, base + TILE_NODES - 1) as [number, Buffer][]) writer.putSlot(t, pos - base, hash);
    for (const [idx, entryId] of idsIn.all(t * TILE_LEAVES, t * TILE_LEAVES + TILE_LEAVES - 1) as [number, string][]) writer.putId(idx, entryId);
    writer.flush();
    drop.run(base, base + TILE_NODES - 1);
  }
}
