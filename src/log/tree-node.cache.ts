/**
 * The log index's tree nodes as proofs and receipts read them (log-index.store.ts): stored nodes
 * are immutable, and every proof in a tree of n leaves reads one node per level, so the levels
 * above the leaves are kept in memory once read, bounded:
 *  - levels ≥ {@link UPPER_FROM_LEVEL} (n / 256 nodes: 4 k at 10⁶ entries, ≈ 0.5 MB), all of them;
 *  - levels {@link MIDDLE_FROM_LEVEL}–7, up to {@link MIDDLE_NODES} (2¹⁷, ≈ 13 MB; a 10⁶-entry tree
 *    has ≈ 117 k), oldest out first;
 *  - levels 0–3 (15 of every 16 nodes) are read from SQLite, the path's four in one statement.
 * Memory stays bounded whatever n is: the upper levels hold n / 128 hashes at most.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { NodeId } from '../../libs/merkle/src/index.js';

const UPPER_FROM_LEVEL = 8;
const MIDDLE_FROM_LEVEL = 4;
const MIDDLE_NODES = 2 ** 17;

const asBytes = (h: Buffer): Uint8Array => new Uint8Array(h.buffer, h.byteOffset, h.length);

export class TreeNodeCache {
  private readonly upper = new Map<number, Uint8Array>();
  private readonly middle = new Map<number, Uint8Array>();
  private readonly one: Statement;
  /** `SELECT … WHERE (level, idx) IN (…)` with k pairs, prepared once per k */
  private readonly many = new Map<number, Statement>();

  constructor(private readonly db: Db) {
    this.one = db.prepare('SELECT hash FROM nodes WHERE level = ? AND idx = ?');
  }

  /** One node, undefined when it is not stored. */
  readonly lookup = (level: number, index: number): Uint8Array | undefined => {
    if (level < MIDDLE_FROM_LEVEL) return this.read(level, index);
    const cache = level >= UPPER_FROM_LEVEL ? this.upper : this.middle;
    const key = index * 64 + level;
    let h = cache.get(key);
    if (h) return h;
    h = this.read(level, index);
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
    for (let i = 0; i < ids.length; i++) {
      const { level, index } = ids[i]!;
      const h = level >= UPPER_FROM_LEVEL ? this.upper.get(index * 64 + level) : level >= MIDDLE_FROM_LEVEL ? this.middle.get(index * 64 + level) : undefined;
      if (h) out[i] = h;
      else missing.push(i);
    }
    if (missing.length === 1) out[missing[0]!] = this.lookup(ids[missing[0]!]!.level, ids[missing[0]!]!.index);
    else if (missing.length > 1) {
      const args: number[] = [];
      for (const i of missing) args.push(ids[i]!.level, ids[i]!.index);
      const rows = this.statementFor(missing.length).all(...args) as { level: number; idx: number; hash: Buffer }[];
      const found = new Map<number, Uint8Array>();
      for (const r of rows) found.set(r.idx * 64 + r.level, asBytes(r.hash));
      for (const i of missing) {
        const { level, index } = ids[i]!;
        const h = found.get(index * 64 + level);
        out[i] = h;
        if (h && level >= MIDDLE_FROM_LEVEL) this.remember(level, index, h);
      }
    }
    return out;
  }

  private remember(level: number, index: number, h: Uint8Array): void {
    const cache = level >= UPPER_FROM_LEVEL ? this.upper : this.middle;
    if (cache === this.middle && cache.size >= MIDDLE_NODES) cache.delete(cache.keys().next().value!);
    cache.set(index * 64 + level, h);
  }

  private statementFor(k: number): Statement {
    let s = this.many.get(k);
    if (!s) {
      s = this.db.prepare(`SELECT level, idx, hash FROM nodes WHERE (level, idx) IN (VALUES ${Array.from({ length: k }, () => '(?, ?)').join(', ')})`);
      this.many.set(k, s);
    }
    return s;
  }

  private read(level: number, index: number): Uint8Array | undefined {
    const h = (this.one.get(level, index) as { hash: Buffer } | undefined)?.hash;
    return h && asBytes(h);
  }
}
