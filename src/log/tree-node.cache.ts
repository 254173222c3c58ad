/**
 * The log index's tree nodes as proofs and receipts read them (log-index.store.ts): stored nodes
 * are immutable, and every proof in a tree of n leaves reads one node per level, so the levels
 * from {@link CACHED_FROM_LEVEL} up (n / 8 nodes: 125 k at 10⁶ entries) are kept in memory once
 * read, 32 bytes each in one buffer per level ({@link LevelHashes}: 4 MB at 10⁶; as a Map of
 * Buffers they took ≈ 200 bytes a node). Levels 0–3 (15 of every 16 nodes) are read from SQLite,
 * the path's four in one statement. Bounded whatever n is: past {@link CACHE_BYTES} the lowest
 * cached level is given up and read from SQLite instead (at ≈ 4·10⁶ entries, level 4).
 *
 * Nodes are stored by their position in the tree's post-order ({@link nodePosition}), the order in
 * which an append-only tree completes them: a batch's new nodes are one run of consecutive keys,
 * so its write touches one or two b-tree pages instead of one per level (keyed by (level, index),
 * each level was its own run, ≈ 8 pages per batch of 5), and a leaf's lower path (levels 0–3) sits
 * in one 31-node stretch, usually one page, for proofs.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { NodeId } from '../../libs/merkle/src/index.js';

const CACHED_FROM_LEVEL = 4;
const CACHE_BYTES = 16 * 2 ** 20;
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

const TWO_32 = 2 ** 32;

const popcount32 = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
};

const ctz32 = (x: number): number => 31 - Math.clz32(x & -x);

/**
 * The post-order position of the perfect-subtree node (level, index) — the node over leaves
 * [index·2^level, (index+1)·2^level) — in a left-filled tree: the number of nodes completed before
 * it. The node completes when leaf n = (index+1)·2^level arrives; by then 2n − popcount(n) nodes
 * are complete, of which the last t − level (t: n's trailing zero bits) are the ones above it on
 * the same right edge. Exact for n < 2^53 (a log of 2^40 entries has n ≤ 2^40).
 */
export function nodePosition(level: number, index: number): number {
  const n = (index + 1) * 2 ** level;
  const lo = n % TWO_32;
  const hi = Math.floor(n / TWO_32);
  const ones = popcount32(lo) + popcount32(hi);
  const trailing = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
  return 2 * n - ones - 1 - (trailing - level);
}

export class TreeNodeCache {
  /** cached levels by level number, from {@link lowest} up */
  private readonly levels = new Map<number, LevelHashes>();
  private lowest = CACHED_FROM_LEVEL;
  private cachedBytes = 0;
  private readonly one: Statement;
  /** `SELECT … WHERE pos IN (…)` with k positions, prepared once per k */
  private readonly many = new Map<number, Statement>();

  /** `budgetBytes`: what the cached levels may hold (default {@link CACHE_BYTES}) */
  constructor(
    private readonly db: Db,
    private readonly budgetBytes = CACHE_BYTES,
  ) {
    this.one = db.prepare('SELECT hash FROM tree_nodes WHERE pos = ?');
  }

  /** One node, undefined when it is not stored. */
  readonly lookup = (level: number, index: number): Uint8Array | undefined => {
    if (level < this.lowest) return this.read(level, index);
    const cached = this.cached(level, index);
    if (cached) return cached;
    const h = this.read(level, index);
    if (h) this.remember(level, index, h);
    return h;
  };

  /** Bytes the cached levels hold (for tests and the docs' figures). */
  get memoryBytes(): number {
    return this.cachedBytes;
  }

  private cached(level: number, index: number): Uint8Array | undefined {
    return level >= this.lowest ? this.levels.get(level)?.get(index) : undefined;
  }

  /**
   * Many nodes (a proof's plan), in order; undefined for those not stored. The cached ones come
   * from memory, the others from one SQLite statement.
   */
  lookupMany(ids: readonly NodeId[]): (Uint8Array | undefined)[] {
    return this.lookupManyWithEntryId(ids, undefined).hashes;
  }

  /**
   * {@link lookupMany}, and with `entryAt` the id of the entry at that log index (undefined when the
   * index holds none) read in the same statement: what an inclusion proof by index needs from SQLite.
   */
  lookupManyWithEntryId(ids: readonly NodeId[], entryAt: number | undefined): { hashes: (Uint8Array | undefined)[]; entryId: string | undefined } {
    const out = new Array<Uint8Array | undefined>(ids.length).fill(undefined); // no holes: callers test each
    const missing: number[] = [];
    const positions: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const { level, index } = ids[i]!;
      const h = this.cached(level, index);
      if (h) out[i] = h;
      else {
        missing.push(i);
        positions.push(nodePosition(level, index));
      }
    }
    let entryId: string | undefined;
    if (entryAt === undefined && missing.length === 1) {
      const h = this.readAt(positions[0]!);
      if (h) this.keep(ids, missing[0]!, h, out);
    } else if (entryAt !== undefined || missing.length > 1) {
      const params = entryAt === undefined ? positions : [entryAt, ...positions];
      const rows = this.statementFor(missing.length, entryAt !== undefined).all(...params) as [number, Buffer | string][];
      // Arms are tagged with their place in `missing`; the `IN (…)` form answers with positions.
      const found = missing.length > MAX_ARMS ? new Map<number, Uint8Array>() : undefined;
      for (const [tag, v] of rows) {
        if (tag < 0) entryId = v as string;
        else if (found) found.set(tag, asBytes(v as Buffer));
        else this.keep(ids, missing[tag]!, asBytes(v as Buffer), out);
      }
      if (found) {
        missing.forEach((i, k) => {
          const h = found.get(positions[k]!);
          if (h) this.keep(ids, i, h, out);
        });
      }
    }
    return { hashes: out, entryId };
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
   * `k` tagged single-row arms joined by `UNION ALL` (each a seek on the primary key; `pos IN (…)`
   * builds a temporary index of its list on every run), the entry id's arm first (tag −1) when
   * `withEntryId`; rows come raw as [tag, value], so an absent node is an absent row. Beyond
   * {@link MAX_ARMS} nodes (long consistency proofs), `pos IN (…)`. Prepared once per shape.
   */
  private statementFor(k: number, withEntryId: boolean): Statement {
    const key = 2 * k + (withEntryId ? 1 : 0);
    let s = this.many.get(key);
    if (!s) {
      const arms = withEntryId ? ['SELECT -1, entry_id FROM entries WHERE idx = ?'] : [];
      if (k <= MAX_ARMS) for (let i = 0; i < k; i++) arms.push(`SELECT ${i}, hash FROM tree_nodes WHERE pos = ?`);
      else arms.push(`SELECT pos, hash FROM tree_nodes WHERE pos IN (${Array.from({ length: k }, () => '?').join(', ')})`);
      s = this.db.prepare(arms.join(' UNION ALL ')).raw();
      this.many.set(key, s);
    }
    return s;
  }

  private read(level: number, index: number): Uint8Array | undefined {
    return this.readAt(nodePosition(level, index));
  }

  private readAt(pos: number): Uint8Array | undefined {
    const h = (this.one.get(pos) as { hash: Buffer } | undefined)?.hash;
    return h && asBytes(h);
  }
}
