/**
 * Where a tree node is stored: its position in the post-order an append-only tree completes its
 * perfect subtrees (tree-node.cache.ts, log-index.tiles.ts).
 */
import { pow2 } from '../../libs/merkle/src/index.js';

const TWO_32 = 2 ** 32;

const popcount32 = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
};

const ctz32 = (x: number): number => 31 - Math.clz32(x & -x);

/**
 * The post-order position of the perfect-subtree node (level, index) — the node over leaves
 * [index·2^level, (index+1)·2^level) — in a left-filled tree: the number of nodes completed before
 * it. The node completes when leaf n = (index+1)·2^level arrives; by then 2n − popcount(n) nodes
 * are complete, of which the last t − level (t: n's trailing zero bits) are the ones above it on
 * the same right edge. Exact for n < 2^53 (a log of 2^40 entries has n ≤ 2^40).
 */
export function nodePosition(level: number, index: number): number {
  const n = (index + 1) * 2 ** level;
  const lo = n % TWO_32;
  const hi = Math.floor(n / TWO_32);
  const ones = popcount32(lo) + popcount32(hi);
  const trailing = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
  return 2 * n - ones - 1 - (trailing - level);
}

/**
 * The node at post-order position `pos` ({@link nodePosition}'s inverse): the left-filled tree's
 * nodes in post-order are those of the perfect tree of any height h from position 0 (2^(h+1) − 1
 * positions), so a walk down from the root of one that holds `pos` finds the subtree whose root sits there.
 */
export function nodeAt(pos: number): { level: number; index: number } {
  if (!Number.isSafeInteger(pos) || pos < 0 || pos > 2 ** 53 - 2) throw new RangeError(`not a node position: ${pos}`);
  let start = 0; // the first position of the subtree walked into
  let leaf = 0; // its first leaf
  // the perfect tree of height h from position 0 holds positions up to 2^(h+1) − 2: start with one that holds pos
  for (let h = Math.min(52, Math.ceil(Math.log2(pos + 2))); ; h--) {
    const child = pow2(h) - 1; // positions in each of its two subtrees
    if (pos === start + 2 * child) return { level: h, index: leaf / pow2(h) };
    if (pos >= start + child) {
      start += child;
      leaf += pow2(h - 1);
    }
  }
}
