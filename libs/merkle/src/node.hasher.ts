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
  // The digest as a 32-character latin1 string, copied into a 32-byte Uint8Array, which V8 keeps
  // in its heap: ≈ 0.36 µs of CPU against ≈ 1.0 µs for `hash(…, 'buffer')`, whose Buffer owns an
  // ArrayBuffer with memory of its own that must be allocated, swept and freed (docs/benchmarks.md,
  // #17 eleventh pass).
  const digest = hash('sha256', data, 'binary'); // 'binary' is latin1
  const out = new Uint8Array(HASH_SIZE);
  for (let i = 0; i < HASH_SIZE; i++) out[i] = digest.charCodeAt(i);
  return out;
}

/** RFC 9162 hashing on node:crypto (OpenSSL). */
export const nodeMerkleHasher = createMerkleHasher('node', nodeSha256);
