/**
 * Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with
 * the edge cases of the transparency-dev/merkle test corpus (hashing: the optional last argument,
 * default node:crypto): consistency from size 0 is an
 * error; equal sizes need an empty proof and equal roots (compared as given, any length);
 * otherwise every hash must be 32 bytes. Failures throw {@link MerkleError} saying why.
 */
import { bytesEqual, checkHash, type MerkleHasher } from './merkle.hasher.js';
import { nodeMerkleHasher } from './node.hasher.js';
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';
import { checkSize, isPowerOfTwo } from './tree.math.js';

function checkProof(proof: readonly Uint8Array[], what: string): void {
  if (!Array.isArray(proof)) {
    throw new MerkleError(MerkleErrorCode.ProofLength, `couldn't verify ${what}: the proof is not an array`);
  }
  proof.forEach((h, i) => checkHash(h, `${what} proof[${i}]`));
}

function lengthError(what: string, got: number): MerkleError {
  return new MerkleError(MerkleErrorCode.ProofLength, `couldn't verify ${what}: wrong proof length ${got}`);
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function mismatch(what: string, computed: Uint8Array, expected: Uint8Array): MerkleError {
  return new MerkleError(
    MerkleErrorCode.RootMismatch,
    `couldn't verify ${what}: computed root ${hex(computed)} differs from expected ${hex(expected)}`,
  );
}

/**
 * The root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1–4). Throws
 * `ERR_MERKLE_INDEX_OUT_OF_RANGE` (index ≥ size), `ERR_MERKLE_BAD_INTEGER`,
 * `ERR_MERKLE_BAD_HASH_SIZE`, `ERR_MERKLE_PROOF_LENGTH`.
 *
 * @example
 *   const root = rootFromInclusionProof(leafHash, 3, 8, proof);
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  hasher: MerkleHasher = nodeMerkleHasher,
): Uint8Array {
  const what = `inclusion of leaf ${leafIndex} at size ${treeSize}`;
  checkSize(leafIndex, 'leaf index');
  checkSize(treeSize, 'tree size');
  if (leafIndex >= treeSize) {
    throw new MerkleError(
      MerkleErrorCode.IndexOutOfRange,
      `couldn't verify ${what}: leaf index is not below tree size`,
    );
  }
  checkHash(leafHash, 'leaf hash');
  checkProof(proof, what);
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  const { hashChildren } = hasher;
  for (const p of proof) {
    if (sn === 0) throw lengthError(what, proof.length);
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw lengthError(what, proof.length);
  return r;
}

/**
 * Verifies an RFC 9162 inclusion proof (§2.1.3.2): returns normally when `proof` shows the leaf
 * with hash `leafHash` at `leafIndex` in the tree of `treeSize` leaves whose root is `root`.
 * Throws `ERR_MERKLE_ROOT_MISMATCH` when it does not, and the codes of {@link rootFromInclusionProof}.
 *
 * @example
 *   verifyInclusion(hashLeaf(entry), index, treeSize, proof, checkpointRoot);
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  hasher: MerkleHasher = nodeMerkleHasher,
): void {
  const computed = rootFromInclusionProof(leafHash, leafIndex, treeSize, proof, hasher);
  checkHash(root, 'root');
  if (!bytesEqual(computed, root)) throw mismatch(`inclusion of leaf ${leafIndex} at size ${treeSize}`, computed, root);
}

/**
 * Verifies an RFC 9162 consistency proof (§2.1.4.2): returns normally when `proof` shows that the
 * tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with root `root1`.
 * Throws `ERR_MERKLE_SIZE_ORDER` (size1 > size2), `ERR_MERKLE_EMPTY_TREE` (size1 = 0),
 * `ERR_MERKLE_PROOF_LENGTH`, `ERR_MERKLE_BAD_HASH_SIZE`, `ERR_MERKLE_ROOT_MISMATCH` (either root),
 * `ERR_MERKLE_BAD_INTEGER`.
 *
 * @example
 *   verifyConsistency(oldCheckpoint.size, newCheckpoint.size, proof, oldCheckpoint.root, newCheckpoint.root);
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
  hasher: MerkleHasher = nodeMerkleHasher,
): void {
  const what = `consistency from size ${size1} to ${size2}`;
  checkSize(size1, 'size1');
  checkSize(size2, 'size2');
  if (size1 > size2) throw new MerkleError(MerkleErrorCode.SizeOrder, `couldn't verify ${what}: size1 > size2`);
  if (size1 === 0) {
    throw new MerkleError(MerkleErrorCode.EmptyTree, `couldn't verify ${what}: a proof from the empty tree is meaningless`);
  }
  if (!Array.isArray(proof)) throw new MerkleError(MerkleErrorCode.ProofLength, `couldn't verify ${what}: the proof is not an array`);
  if (size1 === size2) {
    if (proof.length !== 0) throw lengthError(what, proof.length);
    if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array) || !bytesEqual(root1, root2)) {
      throw new MerkleError(MerkleErrorCode.RootMismatch, `couldn't verify ${what}: equal sizes but different roots`);
    }
    return;
  }
  // Step 1: an empty path fails.
  if (proof.length === 0) throw lengthError(what, 0);
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  checkProof(proof, what);
  // Step 2: when size1 is a power of two its root is the first node of the path.
  let path: readonly Uint8Array[] = proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  if (isPowerOfTwo(size1)) path = [root1, ...proof];
  // Steps 3–4.
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  const { hashChildren } = hasher;
  let fr = path[0];
  let sr = path[0];
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw lengthError(what, proof.length);
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
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
  // Step 7.
  if (sn !== 0) throw lengthError(what, proof.length);
  if (!bytesEqual(fr, root1)) throw mismatch(`${what} (old root)`, fr, root1);
  if (!bytesEqual(sr, root2)) throw mismatch(`${what} (new root)`, sr, root2);
}
