/**
 * The node:crypto Merkle hasher, the default of every libs/merkle function. Uses the one-shot
 * `hash()` (≈ 1.5× faster than `createHash()` for 65-byte inputs; docs/benchmarks.md). Browser
 * bundles replace this module (web/build.mjs) and pass {@link nobleMerkleHasher} instead.
 */
import { hash } from 'node:crypto';
import { createMerkleHasher, HASH_SIZE } from './merkle.hasher.js';

/**
 * node:crypto SHA-256 as a plain `Uint8Array` (not a `Buffer`): the project's one node:crypto
 * {@link Sha256}, also for entry and statement ids (src/log/statement-id.ts, the CLI's audit).
 */
export function nodeSha256(data: Uint8Array): Uint8Array {
  const digest = hash('sha256', data, 'buffer');
  // The digest Buffer owns a fresh 32-byte ArrayBuffer: view it as a plain Uint8Array.
  return new Uint8Array(digest.buffer, digest.byteOffset, HASH_SIZE);
}

/** RFC 9162 hashing on node:crypto (OpenSSL). */
export const nodeMerkleHasher = createMerkleHasher('node', nodeSha256);
