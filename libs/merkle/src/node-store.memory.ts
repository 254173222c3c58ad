/**
 * In-memory node store: keeps every perfect subtree node hash, one array per level. Suited to
 * tests, tools and small logs (10^7 leaves ≈ 2·10^7 nodes ≈ 1.5 GB of JS objects — use tiles or
 * SQLite beyond ~10^6 leaves).
 */
import { checkHash, bytesEqual } from './merkle.hasher.js';
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';
import type { NodeReader } from './node-reader.port.js';
import { checkSize, type NodeId } from './tree.math.js';

/** Largest index a JavaScript array can hold. */
const MAX_ARRAY_INDEX = 2 ** 32 - 2;

/**
 * A {@link NodeReader} over memory, filled with {@link MemoryNodeStore.put} — typically passed
 * straight to {@link CompactRange.append} as its `onNode` callback.
 *
 * @example
 *   const store = new MemoryNodeStore();
 *   range.append(hashLeaf(entry), store.onNode);
 *   const proof = await inclusionProof(store, 0, range.size);
 */
export class MemoryNodeStore implements NodeReader {
  readonly #levels: Uint8Array[][] = [];
  #count = 0;

  /** `put` bound to this store, ready to pass as an `onNode` callback. */
  readonly onNode = (level: number, index: number, hash: Uint8Array): void => this.put(level, index, hash);

  /** Number of distinct nodes stored. */
  get count(): number {
    return this.#count;
  }

  /**
   * Stores the hash of node (level, index). Storing the same hash again is a no-op; a different
   * hash for a stored node throws `ERR_MERKLE_NODE_CONFLICT` (nodes never change). The store keeps
   * `hash` itself: do not mutate it afterwards.
   */
  put(level: number, index: number, hash: Uint8Array): void {
    checkSize(level, 'node level');
    checkSize(index, 'node index');
    checkHash(hash, `node (${level}, ${index})`);
    if (level > 53 || index > MAX_ARRAY_INDEX) {
      throw new MerkleError(
        MerkleErrorCode.IndexOutOfRange,
        `couldn't store node (${level}, ${index}): the memory store holds indices up to ${MAX_ARRAY_INDEX}`,
      );
    }
    let row = this.#levels[level];
    if (row === undefined) {
      for (let l = this.#levels.length; l <= level; l++) this.#levels.push([]);
      row = this.#levels[level];
    }
    const old = row[index];
    if (old !== undefined) {
      if (!bytesEqual(old, hash)) {
        throw new MerkleError(
          MerkleErrorCode.NodeConflict,
          `couldn't store node (${level}, ${index}): a different hash is already stored`,
        );
      }
      return;
    }
    row[index] = hash;
    this.#count++;
  }

  /** The stored hash of one node, or `undefined`. */
  get(level: number, index: number): Uint8Array | undefined {
    return this.#levels[level]?.[index];
  }

  /** {@link NodeReader.getNodes}: rejects with `ERR_MERKLE_NODE_READ` naming the first missing node. */
  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    return this.getNodesSync(ids);
  }

  /** Synchronous form of {@link MemoryNodeStore.getNodes}. */
  getNodesSync(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map(({ level, index }) => {
      const h = this.#levels[level]?.[index];
      if (h === undefined) {
        throw new MerkleError(MerkleErrorCode.NodeRead, `couldn't read node (${level}, ${index}): not stored`);
      }
      return h;
    });
  }
}
