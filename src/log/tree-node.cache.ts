/**
 * The log index's tree nodes as proofs and receipts read them (log-index.store.ts): stored nodes
 * are immutable, and every proof in a tree of n leaves reads one node per level, so the levels
 * from {@link CACHED_FROM_LEVEL} up (n / 8 nodes: 125 k at 10⁶ entries) are kept in memory once
 * read, 32 bytes each in one buffer per level ({@link LevelHashes}: 4 MB at 10⁶; as a Map of
 * Buffers they took ≈ 200 bytes a node). Levels 0–3 (15 of every 16 nodes) are stored in tiles of
 * 16 leaves with those leaves' entry ids (log-index.tiles.ts): a proof's lower path, its leaf hash
 * and its entry id are one row. Bounded whatever n is: past {@link CACHE_BYTES} the lowest cached
 * level is given up and read from SQLite instead (at ≈ 4·10⁶ entries, level 4).
 *
 * Nodes from level 4 up are stored by their position in the tree's post-order ({@link nodePosition}),
 * the order in which an append-only tree completes them: a batch's new nodes are one run of
 * consecutive keys, so its write touches one or two b-tree pages instead of one per level.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { NodeId } from '../../libs/merkle/src/index.js';
import { TILE_LEAVES, TILE_LEVELS, tileEntryId, tileNode, tileOf } from './log-index.tiles.js';
import { inBackgroundChunks } from './background-chunks.js';
import { nodeAt, nodePosition } from './node-position.js';

const CACHED_FROM_LEVEL = 4;
const CACHE_BYTES = 16 * 2 ** 20;
/** stored upper nodes read at a time by the warm-up (a few ms each) */
const WARM_ROWS = 1_000;
/** up to this many nodes a statement reads them arm by arm ({@link TreeNodeCache.statementFor}) */
const MAX_ARMS = 64;

const asBytes = (h: Buffer): Uint8Array => new Uint8Array(h.buffer, h.byteOffset, h.length);

/** One level's cached hashes by node index: one buffer, grown by doubling, and a bitmap of those held. */
class LevelHashes {
  bytes = new Uint8Array(0);
  held = new Uint8Array(0);

  get(index: number): Uint8Array | undefined {
    if (index >= this.held.length * 8 || (this.held[index >>> 3]! & (1 << (index & 7))) === 0) return undefined;
    return this.bytes.subarray(32 * index, 32 * index + 32);
  }

  /** Keeps `h` as node `index`'s hash; returns how many bytes the level grew by. */
  set(index: number, h: Uint8Array): number {
    let grew = 0;
    if (index >= this.held.length * 8) {
      const nodes = Math.max(1024, 2 ** Math.ceil(Math.log2(index + 1)));
      const bytes = new Uint8Array(32 * nodes);
      bytes.set(this.bytes);
      const held = new Uint8Array(nodes / 8);
      held.set(this.held);
      grew = bytes.length + held.length - this.bytes.length - this.held.length;
      this.bytes = bytes;
      this.held = held;
    }
    this.bytes.set(h, 32 * index);
    this.held[index >>> 3]! |= 1 << (index & 7);
    return grew;
  }

  get byteLength(): number {
    return this.bytes.length + this.held.length;
  }
}

export class TreeNodeCache {
  /** cached levels by level number, from {@link lowest} up */
  private readonly levels = new Map<number, LevelHashes>();
  private lowest = CACHED_FROM_LEVEL;
  private cachedBytes = 0;
  private readonly one: Statement;
  private readonly warmRows: Statement;
  /** statements reading t tiles and k nodes, prepared once per shape ({@link statementFor}) */
  private readonly many = new Map<string, Statement>();

  /**
   * `budgetBytes`: what the cached levels may hold (default {@link CACHE_BYTES}); `openTile`: the
   * writer's tile at the right edge, from memory (`TileWriter.open`), undefined for other tiles.
   */
  constructor(
    private readonly db: Db,
    private readonly budgetBytes = CACHE_BYTES,
    private readonly openTile: (t: number) => [Uint8Array, Uint8Array] | undefined = () => undefined,
  ) {
    this.one = db.prepare('SELECT hash FROM tree_nodes WHERE pos = ?').pluck();
    this.warmRows = db.prepare('SELECT pos, hash FROM tree_nodes WHERE pos > ? ORDER BY pos LIMIT ?').raw();
  }

  /** One node, undefined when it is not stored. */
  readonly lookup = (level: number, index: number): Uint8Array | undefined => {
    if (level < TILE_LEVELS) return this.lookupMany([{ level, index }])[0];
    if (level < this.lowest) return this.readAt(nodePosition(level, index));
    const cached = this.cached(level, index);
    if (cached) return cached;
    const h = this.readAt(nodePosition(level, index));
    if (h) this.remember(level, index, h);
    return h;
  };

  /**
   * Reads every stored node of the cached levels into memory in the background, {@link WARM_ROWS}
   * at a time in position order ({@link inBackgroundChunks}): `tree_nodes` holds only levels from 4
   * up (n / 8 rows, 4 MB at 10⁶ entries), and without this each of a restarted service's first
   * proofs reads its upper path from SQLite (at 10⁶ entries the first 20,000 proofs, 2.5× the later
   * ones' reads). The log index's writer starts it at open; `stopped`: the file was closed.
   */
  warmInBackground(stopped: () => boolean): Promise<void> {
    let after = -1;
    return inBackgroundChunks(() => {
      const rows = this.warmRows.all(after, WARM_ROWS) as [number, Buffer][];
      for (const [pos, hash] of rows) {
        const { level, index } = nodeAt(pos);
        this.remember(level, index, asBytes(hash));
      }
      if (rows.length > 0) after = rows[rows.length - 1]![0];
      return rows.length === WARM_ROWS;
    }, stopped);
  }

  /** Bytes the cached levels hold (for tests and the docs' figures). */
  get memoryBytes(): number {
    return this.cachedBytes;
  }

  private cached(level: number, index: number): Uint8Array | undefined {
    return level >= this.lowest ? this.levels.get(level)?.get(index) : undefined;
  }

  /**
   * Many nodes (a proof's plan), in order; undefined for those not stored. The cached ones come
   * from memory, the others from one SQLite statement. `known`: tiles' `nodes` blobs the caller
   * read already, by tile number (a receipt reads its tiles with its checkpoint).
   */
  lookupMany(ids: readonly NodeId[], known?: ReadonlyMap<number, Buffer>): (Uint8Array | undefined)[] {
    return this.lookupManyWithEntryId(ids, undefined, known).hashes;
  }

  /**
   * {@link lookupMany}, and with `entryAt` the id of the entry at that log index (undefined when the
   * index holds none) from its tile, read in the same statement: what an inclusion proof by index
   * needs from SQLite is then one tile (its levels 0–3, its leaf and its entry id) and the
   * uncached nodes above.
   */
  lookupManyWithEntryId(ids: readonly NodeId[], entryAt: number | undefined, known?: ReadonlyMap<number, Buffer>): { hashes: (Uint8Array | undefined)[]; entryId: string | undefined } {
    const out = new Array<Uint8Array | undefined>(ids.length).fill(undefined); // no holes: callers test each
    /** the tiles to read, and per id below TILE_LEVELS the place of its tile in that list (−1: not a tile's) */
    const tiles: number[] = entryAt === undefined ? [] : [Math.floor(entryAt / TILE_LEAVES)]; // the entry id's tile first: its arm reads the ids
    const inTile = new Array<number>(ids.length).fill(-1);
    const missing: number[] = [];
    const positions: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const { level, index } = ids[i]!;
      if (level < TILE_LEVELS) {
        inTile[i] = placeOf(tiles, tileOf(level, index));
        continue;
      }
      const h = this.cached(level, index);
      if (h) out[i] = h;
      else {
        missing.push(i);
        positions.push(nodePosition(level, index));
      }
    }
    // tiles the caller read come from it, the right edge's from the writer's memory, the others from SQLite
    const tileRows = new Array<[Uint8Array, Uint8Array | null] | undefined>(tiles.length).fill(undefined);
    const read: number[] = []; // tile numbers to read, in the order of `places`
    const places: number[] = []; // their places in `tiles`
    for (let p = 0; p < tiles.length; p++) {
      const given = known?.get(tiles[p]!);
      const open = given ? undefined : this.openTile(tiles[p]!);
      if (given) tileRows[p] = [asBytes(given), null];
      else if (open) tileRows[p] = open;
      else {
        read.push(tiles[p]!);
        places.push(p);
      }
    }
    let found: Map<number, Uint8Array> | undefined;
    if (read.length === 0 && missing.length <= 1) {
      if (missing.length === 1) {
        const h = this.readAt(positions[0]!);
        if (h) this.keep(ids, missing[0]!, h, out);
      }
    } else {
      const withIds = entryAt !== undefined && places[0] === 0;
      const rows = this.statementFor(read.length, missing.length, withIds).all(...read, ...positions) as [number, Buffer, Buffer | null][];
      // Arms are tagged with their place (tiles read first, then `missing`); the `IN (…)` form
      // answers with tile numbers and positions, told apart by the ids column (a node row has none).
      const byIn = read.length + missing.length > MAX_ARMS;
      if (byIn) found = new Map<number, Uint8Array>();
      for (const [tag, v, idsBlob] of rows) {
        if (byIn) {
          if (idsBlob !== null) tileRows[tiles.indexOf(tag)] = [asBytes(v), asBytes(idsBlob)];
          else found!.set(tag, asBytes(v));
        } else if (tag < read.length) tileRows[places[tag]!] = [asBytes(v), idsBlob && asBytes(idsBlob)];
        else this.keep(ids, missing[tag - read.length]!, asBytes(v), out);
      }
    }
    if (found) {
      for (let k = 0; k < missing.length; k++) {
        const h = found.get(positions[k]!);
        if (h) this.keep(ids, missing[k]!, h, out);
      }
    }
    for (let i = 0; i < ids.length; i++) {
      const row = inTile[i]! >= 0 ? tileRows[inTile[i]!] : undefined;
      if (row) out[i] = tileNode(row[0], ids[i]!.level, ids[i]!.index);
    }
    const idsBlob = entryAt !== undefined ? tileRows[0]?.[1] : undefined;
    return { hashes: out, entryId: idsBlob ? tileEntryId(idsBlob, entryAt!) : undefined };
  }

  private keep(ids: readonly NodeId[], i: number, h: Uint8Array, out: (Uint8Array | undefined)[]): void {
    out[i] = h;
    this.remember(ids[i]!.level, ids[i]!.index, h);
  }

  /** Caches a node of a cached level; past the budget the lowest cached level goes. */
  private remember(level: number, index: number, h: Uint8Array): void {
    if (level < this.lowest) return;
    let hashes = this.levels.get(level);
    if (!hashes) this.levels.set(level, (hashes = new LevelHashes()));
    this.cachedBytes += hashes.set(index, h);
    while (this.cachedBytes > this.budgetBytes && this.levels.size > 1) {
      this.cachedBytes -= this.levels.get(this.lowest)?.byteLength ?? 0;
      this.levels.delete(this.lowest);
      this.lowest++;
    }
  }

  /**
   * `t` tile arms then `k` node arms, tagged single-row `SELECT`s joined by `UNION ALL` (each a
   * seek on a primary key; `IN (…)` builds a temporary index of its list on every run); rows come
   * raw as [tag, hash or tile nodes, tile ids or NULL], so an absent node or tile is an absent row.
   * Only the first tile's arm reads its ids, and only `withIds`. Beyond {@link MAX_ARMS} arms (long
   * consistency proofs), one `IN (…)` per table. Prepared once per shape.
   */
  private statementFor(t: number, k: number, withIds: boolean): Statement {
    const key = `${t}/${k}/${withIds ? 1 : 0}`;
    let s = this.many.get(key);
    if (!s) {
      const arms: string[] = [];
      const list = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
      if (t + k <= MAX_ARMS) {
        for (let i = 0; i < t; i++) arms.push(`SELECT ${i}, nodes, ${i === 0 && withIds ? 'ids' : 'NULL'} FROM tiles WHERE t = ?`);
        for (let i = 0; i < k; i++) arms.push(`SELECT ${t + i}, hash, NULL FROM tree_nodes WHERE pos = ?`);
      } else {
        if (t > 0) arms.push(`SELECT t, nodes, ids FROM tiles WHERE t IN (${list(t)})`);
        if (k > 0) arms.push(`SELECT pos, hash, NULL FROM tree_nodes WHERE pos IN (${list(k)})`);
      }
      s = this.db.prepare(arms.join(' UNION ALL ')).raw();
      this.many.set(key, s);
    }
    return s;
  }

  private readAt(pos: number): Uint8Array | undefined {
    const h = this.one.get(pos) as Buffer | undefined;
    return h && asBytes(h);
  }
}

/** The place of `t` in `tiles`, added at the end if it is not there (a proof reads one or two). */
function placeOf(tiles: number[], t: number): number {
  const k = tiles.indexOf(t);
  return k >= 0 ? k : tiles.push(t) - 1;
}
