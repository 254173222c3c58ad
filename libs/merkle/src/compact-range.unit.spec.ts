import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompactRange, MemoryNodeStore, hashLeaf } from './index.js';
import { hex, refMTH } from '../test/rfc9162.reference.js';

const leaf = (i: number): Uint8Array => hashLeaf(new TextEncoder().encode(`entry ${i}`));

describe('CompactRange', () => {
  it('onNode reports the leaf then every completed perfect subtree, bottom up, with the right hashes', () => {
    const n = 300;
    const leaves = Array.from({ length: n }, (_, i) => leaf(i));
    const range = new CompactRange();
    const seen: { level: number; index: number; hash: string }[] = [];
    for (let i = 0; i < n; i++) {
      const before = seen.length;
      assert.equal(range.append(leaves[i], (level, index, hash) => seen.push({ level, index, hash: hex(hash) })), i + 1);
      const mine = seen.slice(before);
      assert.deepEqual(mine[0], { level: 0, index: i, hash: hex(leaves[i]) });
      mine.forEach((node, j) => assert.equal(node.level, j, 'bottom up, one per level'));
      // A node completes exactly when its last leaf arrives.
      for (const node of mine) assert.equal((node.index + 1) * 2 ** node.level, i + 1);
    }
    let expected = 0;
    for (let L = 0; 2 ** L <= n; L++) expected += Math.floor(n / 2 ** L);
    assert.equal(seen.length, expected, 'every perfect subtree within [0, n) exactly once');
    for (const node of seen) {
      const start = node.index * 2 ** node.level;
      assert.equal(node.hash, hex(refMTH(leaves, start, start + 2 ** node.level)), `node (${node.level}, ${node.index})`);
    }
  });

  it('state round trip: a restored range continues exactly like the original', () => {
    const a = new CompactRange();
    for (let i = 0; i < 1000; i++) {
      a.append(leaf(i));
      if (i % 97 !== 0) continue;
      const state = a.state();
      assert.equal(state.size, i + 1);
      const b = CompactRange.fromState(JSON.parse(JSON.stringify({ size: state.size, hashes: state.hashes.map(hex) }), (k, v) =>
        k === 'hashes' ? v.map((h: string) => new Uint8Array(Buffer.from(h, 'hex'))) : v,
      ));
      assert.equal(b.size, a.size);
      assert.equal(hex(b.root()), hex(a.root()));
      const c = a.clone();
      for (let j = 0; j < 50; j++) {
        b.append(leaf(10_000 + j));
        c.append(leaf(10_000 + j));
      }
      assert.equal(hex(b.root()), hex(c.root()));
      assert.equal(a.size, i + 1, 'the original is untouched');
    }
  });

  it('state is a copy: mutating it does not change the range', () => {
    const a = new CompactRange();
    for (let i = 0; i < 7; i++) a.append(leaf(i));
    const root = hex(a.root());
    const s = a.state();
    s.hashes[0].fill(0);
    assert.equal(hex(a.root()), root);
  });

  it('fromState rejects malformed state with ERR_MERKLE_BAD_STATE', () => {
    const h = new Uint8Array(32);
    const bad: [string, unknown][] = [
      ['hash count ≠ popcount(size)', { size: 3, hashes: [h] }],
      ['too many hashes', { size: 4, hashes: [h, h] }],
      ['hashes for the empty tree', { size: 0, hashes: [h] }],
      ['short hash', { size: 1, hashes: [new Uint8Array(31)] }],
      ['not bytes', { size: 1, hashes: ['00'.repeat(32)] }],
      ['negative size', { size: -1, hashes: [] }],
      ['fractional size', { size: 1.5, hashes: [h] }],
      ['unsafe size', { size: 2 ** 53, hashes: [h] }],
      ['hashes missing', { size: 0 }],
      ['null', null],
    ];
    for (const [why, state] of bad) {
      assert.throws(() => CompactRange.fromState(state as never), { name: 'MerkleError', code: 'ERR_MERKLE_BAD_STATE' }, why);
    }
    assert.equal(CompactRange.fromState({ size: 0, hashes: [] }).size, 0);
    assert.equal(CompactRange.fromState({ size: 2 ** 53 - 1, hashes: Array(53).fill(h) }).size, 2 ** 53 - 1);
  });

  it('append rejects hashes that are not 32 bytes, and a full tree', () => {
    const r = new CompactRange();
    for (const bad of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), 'x'.repeat(32)]) {
      assert.throws(() => r.append(bad as never), { code: 'ERR_MERKLE_BAD_HASH_SIZE' });
    }
    assert.equal(r.size, 0);
    const full = CompactRange.fromState({ size: 2 ** 53 - 1, hashes: Array(53).fill(new Uint8Array(32)) });
    assert.throws(() => full.append(new Uint8Array(32)), { code: 'ERR_MERKLE_BAD_INTEGER' });
  });

  it('append copies the leaf: mutating the caller buffer later does not change the root', () => {
    const r = new CompactRange();
    const l = leaf(1);
    r.append(l);
    const root = hex(r.root());
    l.fill(0);
    assert.equal(hex(r.root()), root);
  });
});

describe('MemoryNodeStore', () => {
  it('put is idempotent for the same hash, and refuses a different one', () => {
    const s = new MemoryNodeStore();
    s.put(0, 5, new Uint8Array(32));
    s.put(0, 5, new Uint8Array(32));
    assert.equal(s.count, 1);
    assert.throws(() => s.put(0, 5, new Uint8Array(32).fill(1)), { code: 'ERR_MERKLE_NODE_CONFLICT' });
    assert.throws(() => s.put(0, 6, new Uint8Array(31)), { code: 'ERR_MERKLE_BAD_HASH_SIZE' });
    assert.throws(() => s.put(-1, 6, new Uint8Array(32)), { code: 'ERR_MERKLE_BAD_INTEGER' });
    assert.throws(() => s.put(0, 2 ** 32, new Uint8Array(32)), { code: 'ERR_MERKLE_INDEX_OUT_OF_RANGE' });
  });

  it('getNodes returns hashes in order and names a missing node', async () => {
    const s = new MemoryNodeStore();
    s.put(1, 0, new Uint8Array(32).fill(1));
    s.put(0, 2, new Uint8Array(32).fill(2));
    const got = await s.getNodes([{ level: 0, index: 2 }, { level: 1, index: 0 }, { level: 0, index: 2 }]);
    assert.deepEqual(got.map((h) => h[0]), [2, 1, 2]);
    await assert.rejects(s.getNodes([{ level: 3, index: 0 }]), { code: 'ERR_MERKLE_NODE_READ', message: /\(3, 0\)/ });
  });
});
