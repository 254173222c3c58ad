/**
 * Proof planning (pure, no I/O): which stored perfect subtree nodes a proof needs, and how to
 * turn their hashes into the proof. Follows the recursive definitions of RFC 9162 §2.1.3.1
 * (PATH) and §2.1.4.1 (PROOF / SUBPROOF), walked iteratively from the root down.
 *
 * A proof element is either a perfect subtree node (fetched as is) or, on the right edge of a
 * tree whose size is not a power of two, an "ephemeral" node MTH(D[a:b]) that no append ever
 * completes. Ephemeral nodes are recomputed from the perfect nodes covering [a, b) — the same
 * approach as transparency-dev/merkle's `proof.Nodes`, with a simpler plan format: `parts`.
 */
import type { MerkleHasher } from './merkle.hasher.js';
import { nodeMerkleHasher } from './node.hasher.js';
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';
import { bitLength, checkSize, rangeNodes, splitPoint, type NodeId } from './tree.math.js';

/**
 * How to build a proof from stored nodes: fetch `ids` (in order, possibly in one batch), then
 * {@link rehashProof}. `parts[j]` is the number of consecutive ids making proof element j:
 * 1 — that node's hash is the element; k > 1 — the element is an ephemeral node whose k
 * children-ranges are those ids, left to right, hashed together right to left.
 */
export interface ProofPlan {
  readonly ids: readonly NodeId[];
  readonly parts: readonly number[];
}

function perfectNode(start: number, width: number): NodeId {
  return { level: bitLength(width) - 1, index: start / width };
}

function toPlan(elementsTopDown: NodeId[][]): ProofPlan {
  const ids: NodeId[] = [];
  const parts: number[] = [];
  // Proofs list hashes from the leaf (bottom) up; the walk produced them root first.
  for (let j = elementsTopDown.length - 1; j >= 0; j--) {
    ids.push(...elementsTopDown[j]);
    parts.push(elementsTopDown[j].length);
  }
  return { ids, parts };
}

/**
 * Plans the inclusion proof (audit path, RFC 9162 §2.1.3.1) of leaf `index` in the tree of
 * `size` leaves. Throws `ERR_MERKLE_BAD_INTEGER` / `ERR_MERKLE_INDEX_OUT_OF_RANGE` (index ≥ size).
 *
 * @example
 *   inclusionNodes(2, 3) // ids [{level:1,index:0}], parts [1] — the proof is [MTH(D[0:2])]
 */
export function inclusionNodes(index: number, size: number): ProofPlan {
  checkSize(index, 'leaf index');
  checkSize(size, 'tree size');
  if (index >= size) {
    throw new MerkleError(
      MerkleErrorCode.IndexOutOfRange,
      `couldn't plan inclusion proof: leaf index ${index} is not below tree size ${size}`,
    );
  }
  const elements: NodeId[][] = [];
  let offset = 0; // the subtree D[offset : offset + n] holds the leaf at offset + m
  let m = index;
  let n = size;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      elements.push(rangeNodes(offset + k, offset + n)); // MTH(D[k:n]), maybe ephemeral
      n = k;
    } else {
      elements.push([perfectNode(offset, k)]); // MTH(D[0:k]), always perfect
      m -= k;
      offset += k;
      n -= k;
    }
  }
  return toPlan(elements);
}

/**
 * Plans the consistency proof between tree sizes `size1` ≤ `size2` (RFC 9162 §2.1.4.1).
 * Empty when the sizes are equal. Throws `ERR_MERKLE_SIZE_ORDER` (size1 > size2) and
 * `ERR_MERKLE_EMPTY_TREE` (size1 = 0: every tree extends the empty one, there is nothing to prove).
 *
 * @example
 *   consistencyNodes(3, 4) // ids [{0,2}, {0,3}, {1,0}], parts [1, 1, 1]
 */
export function consistencyNodes(size1: number, size2: number): ProofPlan {
  checkSize(size1, 'size1');
  checkSize(size2, 'size2');
  if (size1 > size2) {
    throw new MerkleError(MerkleErrorCode.SizeOrder, `couldn't plan consistency proof: size1 ${size1} > size2 ${size2}`);
  }
  if (size1 === 0) {
    throw new MerkleError(
      MerkleErrorCode.EmptyTree,
      `couldn't plan consistency proof: a proof from the empty tree (size1 = 0) is meaningless`,
    );
  }
  const elements: NodeId[][] = [];
  let offset = 0;
  let m = size1;
  let n = size2;
  let complete = true; // SUBPROOF's flag b: D[offset : offset + m] is a tree head the verifier knows
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      elements.push(rangeNodes(offset + k, offset + n));
      n = k;
    } else {
      elements.push([perfectNode(offset, k)]);
      m -= k;
      offset += k;
      n -= k;
      complete = false;
    }
  }
  // SUBPROOF(m, D[m], false) = {MTH(D[m])}; reached only through a left branch, so m = n is a
  // power of two here and this is a single perfect node.
  if (!complete) elements.push(rangeNodes(offset, offset + m));
  return toPlan(elements);
}

/** Plans the root of the tree of `size` ≥ 1 leaves: one element built from its compact range. */
export function rootNodes(size: number): ProofPlan {
  checkSize(size, 'tree size');
  if (size === 0) {
    throw new MerkleError(MerkleErrorCode.IndexOutOfRange, `couldn't plan root: the empty tree has no nodes`);
  }
  const ids = rangeNodes(0, size);
  return { ids, parts: [ids.length] };
}

/**
 * Ephemeral nodes already hashed, by the nodes they are built from: MTH(D[a:b]) never changes in
 * an append-only log, and every proof in a tree whose size is not a power of two rebuilds the same
 * right-edge ones (at 10⁶ entries about ten hashes a proof). One per log: the key names nodes, not
 * their hashes. Holds at most `max` (the oldest goes first).
 */
export class EphemeralHashes {
  private readonly hashes = new Map<string, Uint8Array>();

  constructor(private readonly max = 256) {}

  /** The ephemeral node built from `ids[at … at + k)`, hashed by `build` the first time. */
  get(ids: readonly NodeId[], at: number, k: number, build: () => Uint8Array): Uint8Array {
    const first = ids[at];
    const last = ids[at + k - 1];
    const key = `${first.level}/${first.index}/${last.level}/${last.index}`;
    let h = this.hashes.get(key);
    if (h === undefined) {
      h = build();
      if (this.hashes.size >= this.max) this.hashes.delete(this.hashes.keys().next().value as string);
      this.hashes.set(key, h);
    }
    return h;
  }

  get size(): number {
    return this.hashes.size;
  }
}

/**
 * Turns the fetched hashes of `plan.ids` (same order) into the proof. Throws
 * `ERR_MERKLE_NODE_READ` when the count differs, `ERR_MERKLE_BAD_HASH_SIZE` for a bad hash.
 * With `memo`, each ephemeral node is hashed once per log ({@link EphemeralHashes}).
 */
export function rehashProof(plan: ProofPlan, hashes: readonly Uint8Array[], hasher: MerkleHasher = nodeMerkleHasher, memo?: EphemeralHashes): Uint8Array[] {
  const { hashChildren } = hasher;
  if (hashes.length !== plan.ids.length) {
    throw new MerkleError(
      MerkleErrorCode.NodeRead,
      `couldn't build proof: the plan needs ${plan.ids.length} node hashes, got ${hashes.length}`,
    );
  }
  const out: Uint8Array[] = [];
  let at = 0;
  for (const k of plan.parts) {
    const from = at;
    const build = (): Uint8Array => {
      let h = hashes[from + k - 1];
      for (let j = from + k - 2; j >= from; j--) h = hashChildren(hashes[j], h);
      return h;
    };
    out.push(k > 1 && memo ? memo.get(plan.ids, at, k, build) : build());
    at += k;
  }
  return out;
}
