/**
 * merkletreejs as an independent oracle. Configured for RFC 9162: leaves are given pre-hashed
 * (SHA-256(0x00 ‖ entry)), the node function gets left ‖ right and returns SHA-256(0x01 ‖ left ‖ right),
 * no duplicate-odd (a lone right-edge node is promoted, as in RFC 9162). Known differences, checked
 * below so they are not forgotten: its empty-tree root is empty (RFC: SHA-256("")).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MerkleTree } from 'merkletreejs';
import { CompactRange, EMPTY_ROOT, MemoryNodeStore, hashLeaf, inclusionProof, verifyInclusion } from './index.js';
import { hex, prng } from '../test/rfc9162.reference.js';

const nodeHash = (data: Buffer): Buffer => createHash('sha256').update(Buffer.of(1)).update(data).digest();

function rfcTree(leaves: Uint8Array[]): MerkleTree {
  return new MerkleTree(leaves.map((l) => Buffer.from(l)), nodeHash, { hashLeaves: false, duplicateOdd: false, sortPairs: false });
}

function leavesOf(n: number, seed: number): Uint8Array[] {
  const rand = prng(seed);
  return Array.from({ length: n }, (_, i) => hashLeaf(Uint8Array.of(i & 0xff, Math.floor(rand() * 256), Math.floor(rand() * 256))));
}

describe('merkletreejs oracle (RFC 9162 configuration)', () => {
  const sizes = [...Array.from({ length: 40 }, (_, i) => i + 1), 63, 64, 65, 100, 1000, 1023, 1025, 3000];

  it('roots agree with the compact range for sizes 1–40 and up to 3000', () => {
    for (const n of sizes) {
      const leaves = leavesOf(n, n);
      const range = new CompactRange();
      for (const l of leaves) range.append(l);
      assert.equal(hex(range.root()), rfcTree(leaves).getRoot().toString('hex'), `size ${n}`);
    }
  });

  it('inclusion proofs agree (and verify) for every leaf of sizes 1–40, sampled leaves up to 3000', async () => {
    const rand = prng(7);
    for (const n of sizes) {
      const leaves = leavesOf(n, n);
      const range = new CompactRange();
      const store = new MemoryNodeStore();
      for (const l of leaves) range.append(l, store.onNode);
      const tree = rfcTree(leaves);
      const root = range.root();
      const indices = n <= 40 ? leaves.map((_, i) => i) : [0, n - 1, ...Array.from({ length: 20 }, () => Math.floor(rand() * n))];
      for (const i of indices) {
        const theirs = tree.getProof(Buffer.from(leaves[i]), i).map((p) => new Uint8Array(p.data));
        const ours = await inclusionProof(store, i, n);
        assert.deepEqual(ours.map(hex), theirs.map(hex), `leaf ${i} of ${n}`);
        verifyInclusion(leaves[i], i, n, theirs, root);
      }
    }
  });

  it('known difference: merkletreejs gives an empty root for the empty tree, RFC 9162 says SHA-256("")', () => {
    assert.equal(rfcTree([]).getRoot().length, 0);
    assert.equal(hex(new CompactRange().root()), hex(EMPTY_ROOT));
  });
});
