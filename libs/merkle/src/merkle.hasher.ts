/**
 * The injectable hash of RFC 9162 §2.1.1 (SHA-256): leaves `SHA-256(0x00 ‖ entry)`, interior
 * nodes `SHA-256(0x01 ‖ left ‖ right)`, the empty tree `SHA-256("")`. Pure: the SHA-256 function
 * comes from the caller, as libs/cose takes its signature backend. Two are provided:
 * {@link nodeMerkleHasher} (node:crypto, the default everywhere: the service, the CLI) and
 * {@link nobleMerkleHasher} (@noble/hashes: browsers, the explorer). Both give the same bytes.
 */
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';

/** Size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/** A one-shot SHA-256: returns a fresh 32-byte array and never keeps `data`. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** The three RFC 9162 hash functions on one SHA-256 implementation. */
export interface MerkleHasher {
  /** A short name for logs and benchmarks ("node", "noble"). */
  readonly name: string;
  /** `SHA-256(0x00 ‖ entry)`. */
  hashLeaf(entry: Uint8Array): Uint8Array;
  /** `SHA-256(0x01 ‖ left ‖ right)`; throws `ERR_MERKLE_BAD_HASH_SIZE` unless both are 32 bytes. */
  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array;
  /** `SHA-256("")`, a fresh copy. */
  emptyRoot(): Uint8Array;
}

/** leaves up to this size are hashed from one reused input buffer (larger ones from their own) */
const LEAF_INPUT_MAX = 64 * 1024;

/**
 * A {@link MerkleHasher} on a SHA-256 function. `sha256` must copy (or finish with) its input
 * before returning: the node hash reuses one input buffer (≈ 25% faster than allocating 65
 * bytes per node), which is safe because the call is synchronous.
 *
 * @example
 *   import { sha256 } from '@noble/hashes/sha2.js';
 *   const hasher = createMerkleHasher('noble', sha256);
 *   verifyInclusion(hasher.hashLeaf(entry), index, size, proof, root, hasher);
 */
export function createMerkleHasher(name: string, sha256: Sha256): MerkleHasher {
  const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
  // `0x00 ‖ entry`, reused like `nodeInput` for entries up to LEAF_INPUT_MAX: a fresh array per
  // leaf was an ArrayBuffer of its own per registration (≈ 0.9 µs to allocate, sweep and free;
  // docs/benchmarks.md, #17 eleventh pass)
  let leafInput = new Uint8Array(0);
  return {
    name,
    hashLeaf(entry: Uint8Array): Uint8Array {
      const n = entry.length + 1;
      let buf: Uint8Array;
      if (n > LEAF_INPUT_MAX) buf = new Uint8Array(n);
      else {
        if (leafInput.length < n) leafInput = new Uint8Array(Math.max(4096, 2 ** Math.ceil(Math.log2(n))));
        buf = leafInput.subarray(0, n);
      }
      buf[0] = 0x00;
      buf.set(entry, 1);
      return sha256(buf);
    },
    hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
      if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
        throw new MerkleError(
          MerkleErrorCode.BadHashSize,
          `couldn't hash children: hashes must be ${HASH_SIZE} bytes, got ${left.length} and ${right.length}`,
        );
      }
      nodeInput[0] = 0x01;
      nodeInput.set(left, 1);
      nodeInput.set(right, 1 + HASH_SIZE);
      return sha256(nodeInput);
    },
    emptyRoot(): Uint8Array {
      return sha256(new Uint8Array(0));
    },
  };
}

/**
 * The root of the empty tree, `SHA-256("")` = e3b0c442…b855. Frozen in spirit: do not mutate it
 * (typed arrays cannot be frozen); call `emptyRoot()` for a private copy.
 */
export const EMPTY_ROOT: Uint8Array = Uint8Array.of(
  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
  0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
);

/** Throws `ERR_MERKLE_BAD_HASH_SIZE` unless `h` is a 32-byte Uint8Array. */
export function checkHash(h: unknown, what: string): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const got = h instanceof Uint8Array ? `${h.length} bytes` : typeof h;
    throw new MerkleError(MerkleErrorCode.BadHashSize, `couldn't use ${what}: want a ${HASH_SIZE}-byte hash, got ${got}`);
  }
}

/** Byte equality (roots and proofs are public values: no constant-time comparison needed). */
export { bytesEqual } from '../../cose/src/bytes.js';
