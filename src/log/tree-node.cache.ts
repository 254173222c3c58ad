/**
 * The log index's tree nodes as proofs and receipts read them (log-index.store.ts): stored nodes
 * are immutable, and every proof in a tree of n leaves reads one node per level, so the levels
 * above the leaves are kept in memory once read, bounded:
 *  - levels ≥ {@link UPPER_FROM_LEVEL} (n / 256 nodes: 4 k at 10⁶ entries, ≈ 0.5 MB), all of them;
 *  - levels {@link MIDDLE_FROM_LEVEL}–7, up to {@link MIDDLE_NODES} (2¹⁷, ≈ 13 MB; a 10⁶-entry tree
 *    has ≈ 117 k), oldest out first;
 *  - levels 0–3 (15 of every 16 nodes) are read from SQLite, the path's four in one statement.
 * Memory stays bounded whatever n is: the upper levels hold n / 128 hashes at most.
 *
 * Nodes are stored by their position in the tree's post-order ({@link nodePosition}), the order in
 * which an append-only tree completes them: a batch's new nodes are one run of consecutive keys,
 * so its write touches one or two b-tree pages instead of one per level (keyed by (level, index),
 * each level was its own run, ≈ 8 pages per batch of 5), and a leaf's lower path (levels 0–3) sits
 * in one 31-node stretch, usually one page, for proofs.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { NodeId } from '../../libs/merkle/src/index.js';

const UPPER_FROM_LEVEL = 8;
const MIDDLE_FROM_LEVEL = 4;
const MIDDLE_NODES = 2 ** 17;

const asBytes = (h: Buffer): Uint8Array => new Uint8Array(h.buffer, h.byteOffset, h.length);

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
  private readonly upper = new Map<number, Uint8Array>();
  private readonly middle = new Map<number, Uint8Array>();
  private readonly one: Statement;
  /** `SELECT … WHERE pos IN (…)` with k positions, prepared once per k */
  private readonly many = new Map<number, Statement>();

  constructor(private readonly db: Db) {
    this.one = db.prepare('SELECT hash FROM tree_nodes WHERE pos = ?');
  }

  /** One node, undefined when it is not stored. */
  readonly lookup = (level: number, index: number): Uint8Array | undefined => {
    if (level < MIDDLE_FROM_LEVEL) return this.read(level, index);
    const cache = level >= UPPER_FROM_LEVEL ? this.upper : this.middle;
    const key = nodePosition(level, index);
    let h = cache.get(key);
    if (h) return h;
    h = this.readAt(key);
    if (!h) return h;
    if (cache === this.middle && cache.size >= MIDDLE_NODES) cache.delete(cache.keys().next().value!);
    cache.set(key, h);
    return h;
  };

  /**
   * Many nodes (a proof's plan), in order; undefined for those not stored. The cached ones come
   * from memory, the others from one SQLite statement.
   */
  lookupMany(ids: readonly NodeId[]): (Uint8Array | undefined)[] {
    const out: (Uint8Array | undefined)[] = new Array(ids.length);
    const missing: number[] = [];
    const positions: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const { level, index } = ids[i]!;
      const pos = nodePosition(level, index);
      const h = level >= UPPER_FROM_LEVEL ? this.upper.get(pos) : level >= MIDDLE_FROM_LEVEL ? this.middle.get(pos) : undefined;
      if (h) out[i] = h;
      else {
        missing.push(i);
        positions.push(pos);
      }
    }
    if (missing.length === 1) out[missing[0]!] = this.lookup(ids[missing[0]!]!.level, ids[missing[0]!]!.index);
    else if (missing.length > 1) {
      const rows = this.statementFor(missing.length).all(...positions) as { pos: number; hash: Buffer }[];
      const found = new Map<number, Uint8Array>();
      for (const r of rows) found.set(r.pos, asBytes(r.hash));
      missing.forEach((i, k) => {
        const h = found.get(positions[k]!);
        out[i] = h;
        if (h && ids[i]!.level >= MIDDLE_FROM_LEVEL) this.remember(ids[i]!.level, positions[k]!, h);
      });
    }
    return out;
  }

  private remember(level: number, pos: number, h: Uint8Array): void {
    const cache = level >= UPPER_FROM_LEVEL ? this.upper : this.middle;
    if (cache === this.middle && cache.size >= MIDDLE_NODES) cache.delete(cache.keys().next().value!);
    cache.set(pos, h);
  }

  private statementFor(k: number): Statement {
    let s = this.many.get(k);
    if (!s) {
      s = this.db.prepare(`SELECT pos, hash FROM tree_nodes WHERE pos IN (${Array.from({ length: k }, () => '?').join(', ')})`);
      this.many.set(k, s);
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
