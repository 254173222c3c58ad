/**
 * Where a tree node is stored: its post-order position (nodePosition) and back (nodeAt), checked
 * against the order an append-only tree completes its nodes and against exact BigInt counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactRange, hashLeaf } from '../../libs/merkle/src/index.js';
import { nodeAt, nodePosition } from './node-position.js';

describe('node positions', () => {
  it('numbers tree nodes in the order an append-only tree completes them (post-order), to 2^40 leaves', () => {
    const range = new CompactRange();
    let next = 0;
    for (let i = 0; i < 5000; i++) {
      range.append(hashLeaf(new Uint8Array([i & 255, i >> 8])), (level, index) => {
        assert.equal(nodePosition(level, index), next, `node (${level}, ${index}) at position ${next}`);
        next++;
      });
    }
    // far out, against the same count in BigInt: 2n − popcount(n) nodes are complete after leaf n
    const complete = (n: bigint): bigint => 2n * n - BigInt([...n.toString(2)].filter((b) => b === '1').length);
    for (const [level, index] of [[0, 2 ** 40 - 1], [0, 2 ** 40 - 2], [1, 2 ** 39 - 1], [40, 0], [17, 2 ** 23 - 3], [3, 123_456_789_012]] as const) {
      const n = BigInt(index + 1) << BigInt(level);
      let trailing = 0;
      while (((n >> BigInt(trailing)) & 1n) === 0n) trailing++;
      assert.equal(BigInt(nodePosition(level, index)), complete(n) - 1n - BigInt(trailing - level), `node (${level}, ${index})`);
    }
  });

  it('finds the node at a post-order position (nodePosition\'s inverse), to 2^52 leaves, and refuses what is not a position', () => {
    for (let pos = 0; pos < 20_000; pos++) {
      const { level, index } = nodeAt(pos);
      assert.equal(nodePosition(level, index), pos, `position ${pos}: (${level}, ${index})`);
    }
    for (const [level, index] of [[0, 2 ** 40 - 1], [40, 0], [17, 2 ** 23 - 3], [3, 123_456_789_012], [51, 1], [52, 0], [0, 2 ** 52 - 1]] as const) {
      assert.deepEqual(nodeAt(nodePosition(level, index)), { level, index });
    }
    for (const bad of [-1, 0.5, 2 ** 53 - 1, 2 ** 53, Number.NaN]) assert.throws(() => nodeAt(bad), RangeError, String(bad));
  });
});
