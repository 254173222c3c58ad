/**
 * The newer root implied by an RFC 9162 consistency proof and the older root (§2.1.4.2, the
 * value `sr`). A consistency receipt signs that newer root as its detached payload, so a
 * verifier that holds only the old root must derive it before checking the signature.
 * The derivation is then re-checked by libs/merkle's `verifyConsistency`, which owns the
 * authoritative edge-case semantics (size 0, equal sizes, proof lengths, old root match).
 */
import { MerkleError, MerkleErrorCode, nodeMerkleHasher, verifyConsistency, type MerkleHasher } from '../../merkle/src/index.js';

const HASH_SIZE = 32;

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

/** Whether `n` (≥ 1) is a power of two; exact for safe integers (no 32-bit bit operators). */
function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}

/**
 * Computes the root of the tree of `size2` leaves from the root of its prefix of `size1` leaves
 * and the consistency proof between them, and verifies the proof against `root1`.
 *
 * `hasher` hashes the nodes (default node:crypto; `nobleMerkleHasher` in a browser).
 *
 * @throws MerkleError with the codes of `verifyConsistency` (ERR_MERKLE_PROOF_LENGTH,
 *   ERR_MERKLE_ROOT_MISMATCH, ERR_MERKLE_EMPTY_TREE, ERR_MERKLE_SIZE_ORDER, ERR_MERKLE_BAD_HASH_SIZE …)
 * @example
 *   const root2 = rootFromConsistencyProof(3, 5, proof, root3);
 */
export function rootFromConsistencyProof(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, hasher: MerkleHasher = nodeMerkleHasher): Uint8Array {
  const { hashChildren } = hasher;
  const regular =
    Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 > 0 && size1 < size2 && Array.isArray(proof) && proof.length > 0 && proof.every(isHash) && isHash(root1);
  if (!regular) {
    // Every irregular input is an error for verifyConsistency except equal sizes with an empty
    // proof, where the newer root is the older one.
    verifyConsistency(size1, size2, proof, root1, root1, hasher);
    return Uint8Array.from(root1);
  }
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    if (sn === 0) throw new MerkleError(MerkleErrorCode.ProofLength, `couldn't verify consistency from size ${size1} to ${size2}: wrong proof length ${proof.length}`);
    const c = path[i]!;
    if (fn % 2 === 1 || fn === sn) {
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Checks the proof length (sn = 0) and that the proof also rebuilds root1.
  verifyConsistency(size1, size2, proof, root1, sr, hasher);
  return sr;
}
