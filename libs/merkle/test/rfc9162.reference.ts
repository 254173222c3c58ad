/**
 * Test oracle: the recursive definitions of RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and
 * §2.1.4.1 (PROOF / SUBPROOF), written as literally as possible over an array of leaf hashes,
 * with their own hashing (createHash) so they share no code with the library under test.
 * Quadratic and slow on purpose: only for tests.
 */
import { createHash } from 'node:crypto';

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** SHA-256(0x00 ‖ entry). */
export function refLeaf(entry: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0), entry);
}

function node(l: Uint8Array, r: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(1), l, r);
}

/** Largest power of two strictly less than n (n > 1). */
function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/** MTH(D[lo:hi]) where `leaves` holds the leaf hashes. */
export function refMTH(leaves: readonly Uint8Array[], lo = 0, hi = leaves.length): Uint8Array {
  const n = hi - lo;
  if (n === 0) return sha256();
  if (n === 1) return leaves[lo];
  const s = k(n);
  return node(refMTH(leaves, lo, lo + s), refMTH(leaves, lo + s, hi));
}

/** PATH(m, D[lo:hi]). */
export function refPATH(m: number, leaves: readonly Uint8Array[], lo = 0, hi = leaves.length): Uint8Array[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const s = k(n);
  if (m < s) return [...refPATH(m, leaves, lo, lo + s), refMTH(leaves, lo + s, hi)];
  return [...refPATH(m - s, leaves, lo + s, hi), refMTH(leaves, lo, lo + s)];
}

function subproof(m: number, leaves: readonly Uint8Array[], lo: number, hi: number, b: boolean): Uint8Array[] {
  const n = hi - lo;
  if (m === n) return b ? [] : [refMTH(leaves, lo, hi)];
  const s = k(n);
  if (m <= s) return [...subproof(m, leaves, lo, lo + s, b), refMTH(leaves, lo + s, hi)];
  return [...subproof(m - s, leaves, lo + s, hi, false), refMTH(leaves, lo, lo + s)];
}

/** PROOF(m, D[0:n]) for 0 < m ≤ n. */
export function refPROOF(m: number, leaves: readonly Uint8Array[], n = leaves.length): Uint8Array[] {
  return subproof(m, leaves, 0, n, true);
}

/** Deterministic PRNG (mulberry32) so property runs are reproducible from a printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
