/**
 * Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with
 * the edge cases of the transparency-dev/merkle test corpus (hashing: the optional last argument,
 * default node:crypto): consistency from size 0 is an
 * error; equal sizes need an empty proof and equal roots (compared as given, any length);
 * otherwise every hash must be 32 bytes. Failures throw {@link MerkleError} saying why.
 */
import { bytesEqual, toHex } from '../../cose/src/bytes.js';
import { checkHash, type MerkleHasher } from './merkle.hasher.js';
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

function mismatch(what: string, computed: Uint8Array, expected: Uint8Array): MerkleError {
  return new MerkleError(
    MerkleErrorCode.RootMismatch,
    `couldn't verify ${what}: computed root ${toHex(computed)} differs from expected ${toHex(expected)}`,
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
  const { hashChildren } = hasher;
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
 * RFC 9162 §2.1.4.2 for one consistency proof: the argument checks, then steps 1–7, which give the
 * older root the proof implies (`fr`) and the newer one (`sr`). With equal sizes the proof must be
 * empty and both are `root1` as given (any length: the corpus compares roots as given there).
 */
function consistencyRoots(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array | undefined,
  what: string,
  hasher: MerkleHasher,
): { fr: Uint8Array; sr: Uint8Array } {
  const { hashChildren } = hasher;
  checkSize(size1, 'size1');
  checkSize(size2, 'size2');
  if (size1 > size2) throw new MerkleError(MerkleErrorCode.SizeOrder, `couldn't verify ${what}: size1 > size2`);
  if (size1 === 0) {
    throw new MerkleError(MerkleErrorCode.EmptyTree, `couldn't verify ${what}: a proof from the empty tree is meaningless`);
  }
  if (!Array.isArray(proof)) throw new MerkleError(MerkleErrorCode.ProofLength, `couldn't verify ${what}: the proof is not an array`);
  if (size1 === size2) {
    if (proof.length !== 0) throw lengthError(what, proof.length);
    if (!(root1 instanceof Uint8Array)) throw new MerkleError(MerkleErrorCode.RootMismatch, `couldn't verify ${what}: equal sizes but different roots`);
    return { fr: root1, sr: root1 };
  }
  // Step 1: an empty path fails.
  if (proof.length === 0) throw lengthError(what, 0);
  checkHash(root1, 'root1');
  if (root2 !== undefined) checkHash(root2, 'root2');
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
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
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
  // Step 7 (the length half; the callers compare the roots).
  if (sn !== 0) throw lengthError(what, proof.length);
  return { fr, sr };
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
  const { fr, sr } = consistencyRoots(size1, size2, proof, root1, root2, what, hasher);
  if (size1 === size2) {
    if (!(root2 instanceof Uint8Array) || !bytesEqual(root1, root2)) {
      throw new MerkleError(MerkleErrorCode.RootMismatch, `couldn't verify ${what}: equal sizes but different roots`);
    }
    return;
  }
  if (!bytesEqual(fr, root1)) throw mismatch(`${what} (old root)`, fr, root1);
  if (!bytesEqual(sr, root2)) throw mismatch(`${what} (new root)`, sr, root2);
}

/**
 * The newer root an RFC 9162 consistency proof implies (§2.1.4.2, the value `sr`), after checking
 * the proof against the older root: what a verifier holding only `root1` needs before it checks a
 * signature over the newer root (a consistency receipt's detached payload). Same checks and error
 * codes as {@link verifyConsistency}, in one pass; equal sizes (empty proof) give `root1` back.
 *
 * @example
 *   const root5 = rootFromConsistencyProof(3, 5, proof, root3);
 */
export function rootFromConsistencyProof(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  hasher: MerkleHasher = nodeMerkleHasher,
): Uint8Array {
  const what = `consistency from size ${size1} to ${size2}`;
  const { fr, sr } = consistencyRoots(size1, size2, proof, root1, undefined, what, hasher);
  if (size1 === size2) return Uint8Array.from(root1);
  if (!bytesEqual(fr, root1)) throw mismatch(`${what} (old root)`, fr, root1);
  return sr;
}
