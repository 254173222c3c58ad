/**
 * The compact range of a Merkle tree (RFC 9162 tree, "right-edge stack"): the roots of the
 * perfect subtrees that cover leaves [0, size), largest first — popcount(size) hashes. Enough to
 * append leaves and compute the root, O(1) amortised hashing per append, ~log2(size) memory.
 */
import { EMPTY_ROOT, checkHash, type MerkleHasher } from './merkle.hasher.js';
import { nodeMerkleHasher } from './node.hasher.js';
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';
import { checkSize, popcount } from './tree.math.js';

/**
 * Called for every node that an append completes: first the leaf itself (level 0), then each
 * perfect subtree it closes, bottom up. The node at (level L, index i) covers the leaves
 * [i·2^L, (i+1)·2^L). Persisting every call's hash is exactly what proof generation needs
 * (see {@link NodeReader}).
 */
export type OnNode = (level: number, index: number, hash: Uint8Array) => void;

/** Serialisable snapshot of a {@link CompactRange}: `hashes` are the perfect subtree roots, largest first. */
export interface CompactRangeState {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

/**
 * Incremental RFC 9162 Merkle tree builder.
 *
 * @example
 *   const range = new CompactRange();
 *   const store = new MemoryNodeStore();
 *   for (const entry of entries) range.append(hashLeaf(entry), (l, i, h) => store.put(l, i, h));
 *   const root = range.root();
 *   const snapshot = range.state(); // later: CompactRange.fromState(snapshot)
 */
export class CompactRange {
  #size = 0;
  readonly #hashes: Uint8Array[] = [];
  readonly #hasher: MerkleHasher;
  readonly #hashChildren: MerkleHasher['hashChildren'];

  /** An empty range; `hasher` (default node:crypto) hashes the interior nodes. */
  constructor(hasher: MerkleHasher = nodeMerkleHasher) {
    this.#hasher = hasher;
    this.#hashChildren = hasher.hashChildren;
  }

  /** Rebuilds a range from {@link CompactRange.state}; throws `ERR_MERKLE_BAD_STATE` if it is malformed. */
  static fromState(state: CompactRangeState, hasher: MerkleHasher = nodeMerkleHasher): CompactRange {
    try {
      if (state === null || typeof state !== 'object') throw new TypeError('state is not an object');
      checkSize(state.size, 'state.size');
      if (!Array.isArray(state.hashes)) throw new TypeError('state.hashes is not an array');
      const want = popcount(state.size);
      if (state.hashes.length !== want) {
        throw new RangeError(`size ${state.size} needs popcount(size) = ${want} hashes, got ${state.hashes.length}`);
      }
      state.hashes.forEach((h, i) => checkHash(h, `state.hashes[${i}]`));
    } catch (e) {
      throw new MerkleError(MerkleErrorCode.BadState, `couldn't restore compact range: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const range = new CompactRange(hasher);
    range.#size = state.size;
    for (const h of state.hashes) range.#hashes.push(Uint8Array.from(h));
    return range;
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends one leaf hash (from {@link hashLeaf}) and returns the new size. `onNode` sees the leaf
   * and every perfect subtree node this append completes. Throws `ERR_MERKLE_BAD_HASH_SIZE`
   * for a hash that is not 32 bytes, `ERR_MERKLE_BAD_INTEGER` past 2^53 - 1 leaves.
   */
  append(leafHash: Uint8Array, onNode?: OnNode): number {
    checkHash(leafHash, 'leaf hash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw new MerkleError(MerkleErrorCode.BadInteger, `couldn't append leaf: the tree is full (${this.#size} leaves)`);
    }
    let h: Uint8Array = Uint8Array.from(leafHash);
    let level = 0;
    let index = this.#size;
    onNode?.(0, index, h);
    // Each trailing one bit of the old size is a perfect subtree waiting for a right sibling.
    while (index % 2 === 1) {
      h = this.#hashChildren(this.#hashes.pop() as Uint8Array, h);
      level++;
      index = (index - 1) / 2;
      onNode?.(level, index, h);
    }
    this.#hashes.push(h);
    return ++this.#size;
  }

  /** The RFC 9162 root of the leaves so far (`SHA-256("")` when empty); a fresh array. */
  root(): Uint8Array {
    const n = this.#hashes.length;
    if (n === 0) return Uint8Array.from(EMPTY_ROOT);
    let h = this.#hashes[n - 1];
    for (let i = n - 2; i >= 0; i--) h = this.#hashChildren(this.#hashes[i], h);
    return n === 1 ? Uint8Array.from(h) : h;
  }

  /** A copy of the state, for snapshots: restore with {@link CompactRange.fromState}. */
  state(): { size: number; hashes: Uint8Array[] } {
    return { size: this.#size, hashes: this.#hashes.map((h) => Uint8Array.from(h)) };
  }

  /** An independent copy of this range. */
  clone(): CompactRange {
    return CompactRange.fromState(this.state(), this.#hasher);
  }
}
