/**
 * Bad inputs give typed errors; integer helpers are exact up to 2^53 - 1; reader failures are
 * wrapped (failure injection with real, misbehaving readers).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactRange,
  MemoryNodeStore,
  consistencyNodes,
  consistencyProof,
  hashChildren,
  hashLeaf,
  inclusionNodes,
  inclusionProof,
  rangeNodes,
  rootAt,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type NodeReader,
} from './index.js';
import { bitLength, popcount, splitPoint, trailingZeros, isPowerOfTwo } from './tree.math.js';

const H = new Uint8Array(32);
const MAX = Number.MAX_SAFE_INTEGER;
const NOT_INTEGERS: unknown[] = [-1, 1.5, NaN, Infinity, 2 ** 53, '3', 3n, null, undefined];

describe('integer helpers at the edges of safe integers', () => {
  it('bitLength / popcount / trailingZeros / splitPoint', () => {
    const table: [number, number, number, number][] = [
      // n, bitLength, popcount, trailingZeros
      [1, 1, 1, 0],
      [2, 2, 1, 1],
      [3, 2, 2, 0],
      [2 ** 31 - 1, 31, 31, 0],
      [2 ** 31, 32, 1, 31],
      [2 ** 32 - 1, 32, 32, 0],
      [2 ** 32, 33, 1, 32],
      [2 ** 32 + 1, 33, 2, 0],
      [2 ** 52, 53, 1, 52],
      [MAX - 1, 53, 52, 1],
      [MAX, 53, 53, 0],
    ];
    for (const [n, len, pop, tz] of table) {
      assert.equal(bitLength(n), len, `bitLength(${n})`);
      assert.equal(popcount(n), pop, `popcount(${n})`);
      assert.equal(trailingZeros(n), tz, `trailingZeros(${n})`);
      assert.equal(isPowerOfTwo(n), pop === 1, `isPowerOfTwo(${n})`);
    }
    assert.equal(bitLength(0), 0);
    assert.equal(splitPoint(2), 1);
    assert.equal(splitPoint(2 ** 32 + 1), 2 ** 32);
    assert.equal(splitPoint(2 ** 32), 2 ** 31);
    assert.equal(splitPoint(MAX), 2 ** 52);
  });

  it('rangeNodes covers [begin, end) exactly with perfect aligned nodes', () => {
    assert.deepEqual(rangeNodes(0, 6), [{ level: 2, index: 0 }, { level: 1, index: 2 }]);
    assert.deepEqual(rangeNodes(5, 5), []);
    const cases: [number, number][] = [[0, MAX], [3, 17], [2 ** 32 - 1, 2 ** 33 + 5], [MAX - 10, MAX], [12, 16]];
    for (const [b, e] of cases) {
      let at = b;
      for (const id of rangeNodes(b, e)) {
        const w = 2 ** id.level;
        assert.equal(id.index * w, at, 'adjacent and aligned');
        at += w;
      }
      assert.equal(at, e);
    }
    assert.equal(rangeNodes(0, MAX).length, 53);
  });

  it('plans work at tree sizes near 2^53', () => {
    const p = inclusionNodes(MAX - 1, MAX);
    assert.equal(p.parts.length, 52);
    const q = consistencyNodes(MAX - 1, MAX);
    assert.ok(q.parts.length > 0);
    for (const id of [...p.ids, ...q.ids]) assert.ok(Number.isSafeInteger(id.index) && (id.index + 1) * 2 ** id.level <= MAX);
  });
});

describe('bad inputs give typed errors', () => {
  it('hash functions', () => {
    assert.throws(() => hashChildren(H, new Uint8Array(31)), { name: 'MerkleError', code: 'ERR_MERKLE_BAD_HASH_SIZE' });
    assert.equal(hashLeaf(new Uint8Array(0)).length, 32);
    assert.ok(!(hashLeaf(new Uint8Array(0)) instanceof Buffer), 'plain Uint8Array, not Buffer');
  });

  it('planning and generation: index ≥ size, non-safe integers, size order, empty tree', async () => {
    const store = new MemoryNodeStore();
    const r = new CompactRange();
    for (let i = 0; i < 10; i++) r.append(hashLeaf(Uint8Array.of(i)), store.onNode);
    assert.throws(() => inclusionNodes(10, 10), { code: 'ERR_MERKLE_INDEX_OUT_OF_RANGE' });
    assert.throws(() => inclusionNodes(0, 0), { code: 'ERR_MERKLE_INDEX_OUT_OF_RANGE' });
    await assert.rejects(inclusionProof(store, 10, 10), { code: 'ERR_MERKLE_INDEX_OUT_OF_RANGE' });
    for (const bad of NOT_INTEGERS) {
      assert.throws(() => inclusionNodes(bad as number, 10), { code: 'ERR_MERKLE_BAD_INTEGER' }, String(bad));
      assert.throws(() => inclusionNodes(0, bad as number), { code: 'ERR_MERKLE_BAD_INTEGER' }, String(bad));
      assert.throws(() => consistencyNodes(bad as number, 10), { code: 'ERR_MERKLE_BAD_INTEGER' }, String(bad));
      await assert.rejects(rootAt(store, bad as number), { code: 'ERR_MERKLE_BAD_INTEGER' }, String(bad));
    }
    assert.throws(() => consistencyNodes(5, 4), { code: 'ERR_MERKLE_SIZE_ORDER' });
    assert.throws(() => consistencyNodes(0, 4), { code: 'ERR_MERKLE_EMPTY_TREE' });
    assert.throws(() => consistencyNodes(0, 0), { code: 'ERR_MERKLE_EMPTY_TREE' });
    assert.deepEqual(await consistencyProof(store, 4, 4), []);
    await assert.rejects(consistencyProof(store, 4, 11), { code: 'ERR_MERKLE_NODE_READ' }, 'size 11 was never stored');
  });

  it('verification: every bad argument has its code', () => {
    const leaf = hashLeaf(Uint8Array.of(1));
    const ok = rootFromInclusionProof(leaf, 0, 1, []);
    assert.deepEqual(ok, leaf);
    const cases: [string, () => void, string][] = [
      ['index = size', () => verifyInclusion(leaf, 1, 1, [], leaf), 'ERR_MERKLE_INDEX_OUT_OF_RANGE'],
      ['size 0', () => verifyInclusion(leaf, 0, 0, [], leaf), 'ERR_MERKLE_INDEX_OUT_OF_RANGE'],
      ['negative index', () => verifyInclusion(leaf, -1, 1, [], leaf), 'ERR_MERKLE_BAD_INTEGER'],
      ['unsafe size', () => verifyInclusion(leaf, 0, 2 ** 53, [], leaf), 'ERR_MERKLE_BAD_INTEGER'],
      ['fractional index', () => verifyInclusion(leaf, 0.5, 2, [H], leaf), 'ERR_MERKLE_BAD_INTEGER'],
      ['short leaf', () => verifyInclusion(leaf.subarray(1), 0, 1, [], leaf), 'ERR_MERKLE_BAD_HASH_SIZE'],
      ['long proof hash', () => verifyInclusion(leaf, 0, 2, [new Uint8Array(33)], leaf), 'ERR_MERKLE_BAD_HASH_SIZE'],
      ['short root', () => verifyInclusion(leaf, 0, 1, [], leaf.subarray(0, 16)), 'ERR_MERKLE_BAD_HASH_SIZE'],
      ['proof too long', () => verifyInclusion(leaf, 0, 1, [H], leaf), 'ERR_MERKLE_PROOF_LENGTH'],
      ['proof too short', () => verifyInclusion(leaf, 0, 3, [H], leaf), 'ERR_MERKLE_PROOF_LENGTH'],
      ['wrong root', () => verifyInclusion(leaf, 0, 1, [], H), 'ERR_MERKLE_ROOT_MISMATCH'],
      ['size order', () => verifyConsistency(2, 1, [], H, H), 'ERR_MERKLE_SIZE_ORDER'],
      ['from empty', () => verifyConsistency(0, 1, [H], H, H), 'ERR_MERKLE_EMPTY_TREE'],
      ['equal sizes, proof not empty', () => verifyConsistency(3, 3, [H], H, H), 'ERR_MERKLE_PROOF_LENGTH'],
      ['equal sizes, roots differ', () => verifyConsistency(3, 3, [], H, leaf), 'ERR_MERKLE_ROOT_MISMATCH'],
      ['empty proof', () => verifyConsistency(1, 2, [], H, H), 'ERR_MERKLE_PROOF_LENGTH'],
      ['short root1', () => verifyConsistency(1, 2, [H], H.subarray(1), H), 'ERR_MERKLE_BAD_HASH_SIZE'],
      ['short proof hash', () => verifyConsistency(3, 4, [H, H.subarray(1), H], H, H), 'ERR_MERKLE_BAD_HASH_SIZE'],
      ['unsafe size2', () => verifyConsistency(1, 2 ** 53, [H], H, H), 'ERR_MERKLE_BAD_INTEGER'],
      ['proof not an array', () => verifyInclusion(leaf, 0, 2, 'x' as never, leaf), 'ERR_MERKLE_PROOF_LENGTH'],
    ];
    for (const [why, fn, code] of cases) assert.throws(fn, { name: 'MerkleError', code }, why);
  });
});

describe('node reader failures are wrapped as ERR_MERKLE_NODE_READ', () => {
  const good = new MemoryNodeStore();
  const r = new CompactRange();
  for (let i = 0; i < 13; i++) r.append(hashLeaf(Uint8Array.of(i)), good.onNode);
  const readers: [string, NodeReader][] = [
    ['rejects', { getNodes: async () => Promise.reject(new Error('disk on fire')) }],
    ['throws synchronously', { getNodes: () => { throw new Error('boom'); } }],
    ['returns too few', { getNodes: async (ids: readonly NodeId[]) => (await good.getNodes(ids)).slice(1) }],
    ['returns a short hash', { getNodes: async (ids: readonly NodeId[]) => (await good.getNodes(ids)).map((h, i) => (i === 0 ? h.subarray(1) : h)) }],
    ['returns not an array', { getNodes: async () => 'nope' as never }],
  ];
  for (const [why, reader] of readers) {
    it(`reader that ${why}`, async () => {
      await assert.rejects(inclusionProof(reader, 3, 13), { name: 'MerkleError', code: 'ERR_MERKLE_NODE_READ' });
      await assert.rejects(consistencyProof(reader, 3, 13), { code: 'ERR_MERKLE_NODE_READ' });
      await assert.rejects(rootAt(reader, 13), { code: 'ERR_MERKLE_NODE_READ' });
    });
  }
  it('keeps the original error as cause', async () => {
    const cause = new Error('disk on fire');
    await assert.rejects(inclusionProof({ getNodes: async () => Promise.reject(cause) }, 3, 13), (e: Error) => e.cause === cause && /disk on fire/.test(e.message));
  });
  it('a reader is not called for a proof that needs no nodes', async () => {
    let calls = 0;
    const counting: NodeReader = { getNodes: async (ids) => { calls++; return good.getNodes(ids); } };
    assert.deepEqual(await inclusionProof(counting, 0, 1), []);
    assert.deepEqual(await consistencyProof(counting, 5, 5), []);
    assert.equal(calls, 0);
    await inclusionProof(counting, 3, 13);
    assert.equal(calls, 1, 'one batched read per proof');
  });
});
