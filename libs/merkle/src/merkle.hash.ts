/**
 * RFC 9162 §2.1.1 hashing on node:crypto, as plain functions: what the service, the CLI and the
 * tests call. The same functions on another SHA-256 (a browser's): {@link createMerkleHasher}
 * and {@link nobleMerkleHasher}; every function of this library takes the hasher as its last
 * argument, default {@link nodeMerkleHasher}.
 */
import { nodeMerkleHasher } from './node.hasher.js';

export { HASH_SIZE, EMPTY_ROOT, checkHash, bytesEqual } from './merkle.hasher.js';

/**
 * The leaf hash of an entry: `SHA-256(0x00 ‖ entry)`.
 *
 * @example
 *   const leaf = hashLeaf(new TextEncoder().encode('hello'));
 *   compactRange.append(leaf);
 */
export const hashLeaf: (entry: Uint8Array) => Uint8Array = nodeMerkleHasher.hashLeaf;

/**
 * The hash of an interior node from its children's hashes: `SHA-256(0x01 ‖ left ‖ right)`.
 * Throws `ERR_MERKLE_BAD_HASH_SIZE` unless both are 32 bytes.
 *
 * @example
 *   const parent = hashChildren(hashLeaf(a), hashLeaf(b));
 */
export const hashChildren: (left: Uint8Array, right: Uint8Array) => Uint8Array = nodeMerkleHasher.hashChildren;

/** The root of the empty tree, `SHA-256("")` (a fresh copy each call, safe to mutate). */
export const emptyRoot: () => Uint8Array = nodeMerkleHasher.emptyRoot;
