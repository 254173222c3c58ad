/**
 * Integer helpers for tree sizes, indices and node ids. Sizes and indices are JavaScript numbers
 * restricted to safe integers (0 … 2^53 - 1); nothing here uses 32-bit bit operators on them
 * (`x >> 1` would silently truncate above 2^31). Bit questions are answered with exact
 * arithmetic, or with `Math.clz32` on explicit 32-bit halves.
 */
import { MerkleError, MerkleErrorCode } from './merkle.errors.js';

/**
 * Names a perfect subtree node: the node at `level` L and `index` i covers the leaves
 * [i·2^L, (i+1)·2^L). Level 0 nodes are the leaves themselves.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

const TWO_32 = 2 ** 32;

/** Throws `ERR_MERKLE_BAD_INTEGER` unless `n` is a safe integer ≥ 0. */
export function checkSize(n: unknown, what: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new MerkleError(
      MerkleErrorCode.BadInteger,
      `couldn't use ${what}: want a non-negative safe integer, got ${typeof n === 'number' ? n : typeof n}`,
    );
  }
}

/** 2^0 … 2^53: `2 ** e` with a variable `e` is a call to the runtime's pow (a proof plan makes ≈ 70). */
const POW2: readonly number[] = Array.from({ length: 54 }, (_, e) => 2 ** e);

/** 2^e as an exact number (0 ≤ e ≤ 53). */
export function pow2(e: number): number {
  return POW2[e] ?? 2 ** e;
}

/** Number of bits needed to write `n` (0 for 0): floor(log2 n) + 1, exact for safe integers. */
export function bitLength(n: number): number {
  if (n < TWO_32) return 32 - Math.clz32(n);
  return 64 - Math.clz32(Math.floor(n / TWO_32));
}

/** Number of one bits in `n`. */
export function popcount(n: number): number {
  let count = 0;
  let x = n;
  while (x > 0) {
    if (x % 2 === 1) count++;
    x = Math.floor(x / 2);
  }
  return count;
}

/** Number of trailing zero bits of `n` (53 for 0, the most a safe integer can have). */
export function trailingZeros(n: number): number {
  if (n === 0) return 53;
  const lo = n % TWO_32;
  if (lo !== 0) return lowBit32(lo);
  return 32 + lowBit32(Math.floor(n / TWO_32));
}

/** Index of the lowest set bit of a non-zero 32-bit half (not of an index: see the file header). */
function lowBit32(half: number): number {
  return 31 - Math.clz32(half & -half);
}

/** The largest power of two strictly below `n` (n ≥ 2): the split point `k` of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  return pow2(bitLength(n - 1) - 1);
}

/** True when `n` is a power of two (n ≥ 1). */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && n === pow2(bitLength(n) - 1);
}

/** The first leaf index covered by a node. */
export function nodeStart(id: NodeId): number {
  return id.index * pow2(id.level);
}

/**
 * The perfect subtree nodes that exactly cover the leaf range [begin, end), left to right.
 * For begin = 0 they are the binary digits of `end`, largest first — the compact range of a
 * tree of size `end`.
 *
 * @example
 *   rangeNodes(0, 6) // [{ level: 2, index: 0 }, { level: 1, index: 2 }]
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  let at = begin;
  while (at < end) {
    const level = Math.min(trailingZeros(at), bitLength(end - at) - 1);
    const width = pow2(level);
    out.push({ level, index: at / width });
    at += width;
  }
  return out;
}
