/**
 * RFC 9162 §2.1.1 hashing with SHA-256: leaves `SHA-256(0x00 ‖ entry)`, interior nodes
 * `SHA-256(0x01 ‖ left ‖ right)`, the empty tree `SHA-256("")`.
 *
 * Uses node:crypto's one-shot `hash()` (≈ 1.5× faster than `createHash()` for 65-byte inputs;
 * see docs/benchmarks.md). Results are plain `Uint8Array`s (not `Buffer`s), 32 bytes each.
 */
import { hash } from 'node:crypto';
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';

/** Size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

function sha256(data: Uint8Array): Uint8Array {
  const digest = hash('sha256', data, 'buffer');
  // The digest Buffer owns a fresh 32-byte ArrayBuffer: view it as a plain Uint8Array.
  return new Uint8Array(digest.buffer, digest.byteOffset, HASH_SIZE);
}

/**
 * The leaf hash of an entry: `SHA-256(0x00 ‖ entry)`.
 *
 * @example
 *   const leaf = hashLeaf(new TextEncoder().encode('hello'));
 *   compactRange.append(leaf);
 */
export function hashLeaf(entry: Uint8Array): Uint8Array {
  const buf = new Uint8Array(entry.length + 1);
  buf[0] = 0x00;
  buf.set(entry, 1);
  return sha256(buf);
}

/** Reused input of {@link hashChildren}: 0x01 ‖ left ‖ right. */
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);

/**
 * The hash of an interior node from its children's hashes: `SHA-256(0x01 ‖ left ‖ right)`.
 * Throws `ERR_MERKLE_BAD_HASH_SIZE` unless both are 32 bytes.
 *
 * @example
 *   const parent = hashChildren(hashLeaf(a), hashLeaf(b));
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new MerkleError(
      MerkleErrorCode.BadHashSize,
      `couldn't hash children: hashes must be ${HASH_SIZE} bytes, got ${left.length} and ${right.length}`,
    );
  }
  // One reused input buffer: hash() copies it synchronously, so nothing can observe the reuse.
  // (≈ 25% faster than allocating 65 bytes per node.)
  nodeInput[0] = 0x01;
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return sha256(nodeInput);
}

/** The root of the empty tree, `SHA-256("")` (a fresh copy each call, safe to mutate). */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/**
 * The root of the empty tree, `SHA-256("")` = e3b0c442…b855. Frozen in spirit: do not mutate it
 * (typed arrays cannot be frozen); call {@link emptyRoot} for a private copy.
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

