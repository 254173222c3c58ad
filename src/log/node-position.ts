/**
 * Where a tree node is stored: its position in the post-order an append-only tree completes its
 * perfect subtrees (tree-node.cache.ts, log-index.tiles.ts).
 */
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
