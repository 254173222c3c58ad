/**
 * Proof generation and historic roots from stored nodes (a {@link NodeReader}).
 */
import { EMPTY_ROOT, checkHash, type MerkleHasher } from './merkle.hasher.js';
import { nodeMerkleHasher } from './node.hasher.js';
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';
import type { NodeReader } from './node-reader.port.js';
import { consistencyNodes, inclusionNodes, rehashProof, rootNodes, type EphemeralHashes, type ProofPlan } from './proof.plan.js';
import { checkSize } from './tree.math.js';

/** Fetches a plan's nodes; wraps reader failures and checks what it returned. */
async function fetchPlan(reader: NodeReader, plan: ProofPlan, what: string): Promise<Uint8Array[]> {
  if (plan.ids.length === 0) return [];
  let hashes: Uint8Array[];
  try {
    hashes = await reader.getNodes(plan.ids);
  } catch (e) {
    throw new MerkleError(MerkleErrorCode.NodeRead, `couldn't build ${what}: ${(e as Error)?.message ?? String(e)}`, {
      cause: e,
    });
  }
  if (!Array.isArray(hashes) || hashes.length !== plan.ids.length) {
    throw new MerkleError(
      MerkleErrorCode.NodeRead,
      `couldn't build ${what}: the node reader returned ${Array.isArray(hashes) ? hashes.length : typeof hashes} hashes for ${plan.ids.length} nodes`,
    );
  }
  try {
    hashes.forEach((h, i) => checkHash(h, `node (${plan.ids[i].level}, ${plan.ids[i].index})`));
  } catch (e) {
    throw new MerkleError(MerkleErrorCode.NodeRead, `couldn't build ${what}: ${(e as Error).message}`, { cause: e });
  }
  return hashes;
}

/**
 * The RFC 9162 inclusion proof of leaf `leafIndex` in the tree of `treeSize` leaves, read from
 * stored perfect subtree nodes (`memo`: the log's ephemeral nodes already hashed). Throws `ERR_MERKLE_INDEX_OUT_OF_RANGE` (index ≥ size),
 * `ERR_MERKLE_BAD_INTEGER`, `ERR_MERKLE_NODE_READ` (reader failed or lacks a node).
 *
 * @example
 *   const proof = await inclusionProof(store, 5, range.size);
 *   verifyInclusion(leafHash5, 5, range.size, proof, range.root());
 */
export async function inclusionProof(reader: NodeReader, leafIndex: number, treeSize: number, hasher: MerkleHasher = nodeMerkleHasher, memo?: EphemeralHashes): Promise<Uint8Array[]> {
  const plan = inclusionNodes(leafIndex, treeSize);
  return rehashProof(plan, await fetchPlan(reader, plan, `inclusion proof for leaf ${leafIndex} at size ${treeSize}`), hasher, memo);
}

/**
 * The RFC 9162 consistency proof from tree size `size1` to `size2` (0 < size1 ≤ size2; empty
 * when equal). Throws `ERR_MERKLE_SIZE_ORDER`, `ERR_MERKLE_EMPTY_TREE` (size1 = 0),
 * `ERR_MERKLE_BAD_INTEGER`, `ERR_MERKLE_NODE_READ`.
 *
 * @example
 *   const proof = await consistencyProof(store, oldSize, newSize);
 *   verifyConsistency(oldSize, newSize, proof, oldRoot, newRoot);
 */
export async function consistencyProof(reader: NodeReader, size1: number, size2: number, hasher: MerkleHasher = nodeMerkleHasher): Promise<Uint8Array[]> {
  const plan = consistencyNodes(size1, size2);
  return rehashProof(plan, await fetchPlan(reader, plan, `consistency proof from size ${size1} to ${size2}`), hasher);
}

/**
 * The root of the tree as it was at `size` leaves (`SHA-256("")` for 0), from stored nodes:
 * popcount(size) reads. Throws `ERR_MERKLE_BAD_INTEGER`, `ERR_MERKLE_NODE_READ`.
 *
 * @example
 *   const root = await rootAt(store, checkpoint.treeSize);
 */
export async function rootAt(reader: NodeReader, size: number, hasher: MerkleHasher = nodeMerkleHasher): Promise<Uint8Array> {
  checkSize(size, 'tree size');
  if (size === 0) return Uint8Array.from(EMPTY_ROOT);
  const plan = rootNodes(size);
  const [root] = rehashProof(plan, await fetchPlan(reader, plan, `root at size ${size}`), hasher);
  return root;
}
