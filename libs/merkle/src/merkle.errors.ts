/**
 * Typed errors for the Merkle tree library. Every failure carries a stable string `code`
 * (never parse the message) and, where another error caused it, that error as `cause`.
 */

/** The stable error codes this library throws. */
export const MerkleErrorCode = {
  /** A size or index is not a non-negative safe integer (NaN, fractional, negative, > 2^53 - 1). */
  BadInteger: 'ERR_MERKLE_BAD_INTEGER',
  /** A leaf index is not below the tree size (or a node lies outside the tree). */
  IndexOutOfRange: 'ERR_MERKLE_INDEX_OUT_OF_RANGE',
  /** A hash is not 32 bytes (SHA-256). */
  BadHashSize: 'ERR_MERKLE_BAD_HASH_SIZE',
  /** A proof has the wrong number of hashes for the sizes/index it claims to prove. */
  ProofLength: 'ERR_MERKLE_PROOF_LENGTH',
  /** The root computed from a proof differs from the expected root. */
  RootMismatch: 'ERR_MERKLE_ROOT_MISMATCH',
  /** Consistency between sizes that go backwards (size1 > size2). */
  SizeOrder: 'ERR_MERKLE_SIZE_ORDER',
  /** Consistency from the empty tree (size1 = 0): meaningless, rejected as in RFC 9162 / transparency-dev. */
  EmptyTree: 'ERR_MERKLE_EMPTY_TREE',
  /** A compact range state is malformed (hash count is not popcount(size), bad hash, bad size). */
  BadState: 'ERR_MERKLE_BAD_STATE',
  /** A NodeReader failed, or returned the wrong number of hashes / a node it does not have. */
  NodeRead: 'ERR_MERKLE_NODE_READ',
  /** A NodeStore was asked to store a hash different from the one it already holds for a node. */
  NodeConflict: 'ERR_MERKLE_NODE_CONFLICT',
} as const;

/** One of the {@link MerkleErrorCode} values. */
export type MerkleErrorCodeValue = (typeof MerkleErrorCode)[keyof typeof MerkleErrorCode];

/**
 * The one error type of this library.
 *
 * @example
 *   try { verifyInclusion(leafHash, index, size, proof, root) } catch (e) {
 *     if (e instanceof MerkleError && e.code === 'ERR_MERKLE_ROOT_MISMATCH') { … }
 *   }
 */
export class MerkleError extends Error {
  override readonly name = 'MerkleError';
  constructor(
    readonly code: MerkleErrorCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
