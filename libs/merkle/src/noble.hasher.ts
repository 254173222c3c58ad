/**
 * The @noble/hashes Merkle hasher: pure JavaScript, for browsers (the explorer) and anywhere
 * node:crypto is missing. ≈ 15× slower than node:crypto on large inputs; proofs are a few dozen
 * hashes, so verification stays well under a millisecond.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { createMerkleHasher } from './merkle.hasher.js';

/** RFC 9162 hashing on @noble/hashes. */
export const nobleMerkleHasher = createMerkleHasher('noble', (data) => sha256(data));
