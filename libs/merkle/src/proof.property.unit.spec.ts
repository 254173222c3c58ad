/**
 * Generation ↔ verification against the RFC 9162 recursive definitions (test/rfc9162.reference.ts):
 * exhaustive for small trees, seeded random sizes up to 4096, fast-check for plans, and mutations
 * that must be rejected with typed errors.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CompactRange,
  EphemeralHashes,
  MemoryNodeStore,
  MerkleError,
  consistencyNodes,
  consistencyProof,
  hashLeaf,
  inclusionNodes,
  inclusionProof,
  rootAt,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './index.js';
import { hex, prng, refLeaf, refMTH, refPATH, refPROOF } from '../test/rfc9162.reference.js';

const N = 4096;
const SEED = Number(process.env.MERKLE_SEED ?? 20261122);
const leaves: Uint8Array[] = [];
const store = new MemoryNodeStore();
const range = new CompactRange();

before(() => {
  console.log(`# merkle property seed ${SEED} (set MERKLE_SEED to reproduce another run)`);
  const rand = prng(SEED);
  for (let i = 0; i < N; i++) {
    const entry = new Uint8Array(1 + Math.floor(rand() * 40));
    for (let j = 0; j < entry.length; j++) entry[j] = Math.floor(rand() * 256);
    const leaf = refLeaf(entry);
    assert.deepEqual(hashLeaf(entry), leaf);
    leaves.push(leaf);
    range.append(leaf, store.onNode);
  }
});

/** Reference roots for every size 0…N, computed incrementally from the reference MTH of perfect parts. */
const refRoot = (n: number): Uint8Array => refMTH(leaves, 0, n);

function expectReject(fn: () => void, codes?: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MerkleError, `not a MerkleError: ${String(e)}`);
    if (codes) assert.ok(codes.includes(e.code), `unexpected code ${e.code}`);
    return;
  }
  assert.fail('accepted a bad proof');
}

function flipBit(proof: Uint8Array[], i: number, bit: number): Uint8Array[] {
  return proof.map((h, j) => {
    if (j !== i) return h;
    const c = Uint8Array.from(h);
    c[bit >> 3] ^= 1 << (bit & 7);
    return c;
  });
}

async function checkInclusion(m: number, n: number, root: Uint8Array): Promise<void> {
  const proof = await inclusionProof(store, m, n);
  assert.deepEqual(proof.map(hex), refPATH(m, leaves.slice(0, n)).map(hex), `PATH(${m}, ${n})`);
  verifyInclusion(leaves[m], m, n, proof, root);
  assert.deepEqual(rootFromInclusionProof(leaves[m], m, n, proof), root);
}

async function checkConsistency(m: number, n: number, root1: Uint8Array, root2: Uint8Array): Promise<void> {
  const proof = await consistencyProof(store, m, n);
  assert.deepEqual(proof.map(hex), refPROOF(m, leaves.slice(0, n)).map(hex), `PROOF(${m}, ${n})`);
  verifyConsistency(m, n, proof, root1, root2);
}

describe('proofs against the RFC 9162 reference', () => {
  it('roots: compact range and rootAt equal MTH for sizes 0–130 and 4096', async () => {
    const r = new CompactRange();
    for (let n = 0; n <= 130; n++) {
      const want = hex(refRoot(n));
      assert.equal(hex(r.root()), want, `range ${n}`);
      assert.equal(hex(await rootAt(store, n)), want, `rootAt ${n}`);
      if (n < 130) r.append(leaves[n]);
    }
    assert.equal(hex(range.root()), hex(refRoot(N)));
    assert.equal(hex(await rootAt(store, N)), hex(refRoot(N)));
  });

  it('inclusion: every leaf of every tree of size 1–64', async () => {
    for (let n = 1; n <= 64; n++) {
      const root = refRoot(n);
      for (let m = 0; m < n; m++) await checkInclusion(m, n, root);
    }
  });

  it('inclusion with a memo of ephemeral nodes (one per log, bounded): the same proofs, each of a tree of size 1–130 and 4096', async () => {
    const memo = new EphemeralHashes(8);
    for (const n of [...Array.from({ length: 130 }, (_, i) => i + 1), 4096, 130, 77]) {
      for (let m = 0; m < n; m += n > 200 ? 37 : 1) {
        assert.deepEqual((await inclusionProof(store, m, n, undefined, memo)).map(hex), (await inclusionProof(store, m, n)).map(hex), `leaf ${m} of ${n}`);
      }
      assert.ok(memo.size <= 8, `${memo.size} ephemeral nodes kept, at most 8`);
    }
  });

  it('consistency: every pair 1 ≤ m ≤ n ≤ 64', async () => {
    for (let n = 1; n <= 64; n++) {
      const root2 = refRoot(n);
      for (let m = 1; m <= n; m++) await checkConsistency(m, n, refRoot(m), root2);
    }
  });

  it('seeded random sizes up to 4096 (powers of two ± 1 included)', async () => {
    const rand = prng(SEED ^ 0x5eed);
    const sizes = [127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096];
    for (let i = 0; i < 20; i++) sizes.push(1 + Math.floor(rand() * N));
    for (const n of sizes) {
      const root = refRoot(n);
      for (const m of [0, n - 1, Math.floor(rand() * n)]) await checkInclusion(m, n, root);
      for (const m of [1, n, Math.max(1, Math.floor(rand() * n)), 2 ** Math.floor(Math.log2(n))]) {
        await checkConsistency(m, n, refRoot(m), root);
      }
    }
  });

  it('mutated inclusion proofs are rejected with typed errors', async () => {
    const rand = prng(SEED + 1);
    for (let t = 0; t < 150; t++) {
      const n = 2 + Math.floor(rand() * 600);
      const m = Math.floor(rand() * n);
      const root = refRoot(n);
      const proof = await inclusionProof(store, m, n);
      const i = Math.floor(rand() * proof.length);
      expectReject(() => verifyInclusion(leaves[m], m, n, flipBit(proof, i, Math.floor(rand() * 256)), root), ['ERR_MERKLE_ROOT_MISMATCH']);
      expectReject(() => verifyInclusion(leaves[m], m, n, proof.slice(1), root));
      expectReject(() => verifyInclusion(leaves[m], m, n, [...proof, proof[0]], root));
      expectReject(() => verifyInclusion(leaves[(m + 1) % n], m, n, proof, root), ['ERR_MERKLE_ROOT_MISMATCH']);
      expectReject(() => verifyInclusion(leaves[m], m ^ 1, n, proof, root));
      // A proof alone does not bind the size (the signed checkpoint does): n + 1 must be rejected
      // whenever the path shape changes its length, as in the corpus' treeSize mutations.
      if (inclusionNodes(m, n + 1).parts.length !== proof.length) {
        expectReject(() => verifyInclusion(leaves[m], m, n + 1, proof, root), ['ERR_MERKLE_PROOF_LENGTH']);
      }
      expectReject(() => verifyInclusion(leaves[m], m, n, proof, refRoot(n - 1)), ['ERR_MERKLE_ROOT_MISMATCH']);
    }
  });

  it('mutated consistency proofs are rejected with typed errors', async () => {
    const rand = prng(SEED + 2);
    for (let t = 0; t < 150; t++) {
      const n = 3 + Math.floor(rand() * 600);
      const m = 1 + Math.floor(rand() * (n - 2));
      const [root1, root2] = [refRoot(m), refRoot(n)];
      const proof = await consistencyProof(store, m, n);
      const i = Math.floor(rand() * proof.length);
      expectReject(() => verifyConsistency(m, n, flipBit(proof, i, Math.floor(rand() * 256)), root1, root2), ['ERR_MERKLE_ROOT_MISMATCH']);
      expectReject(() => verifyConsistency(m, n, proof.slice(0, -1), root1, root2));
      expectReject(() => verifyConsistency(m, n, [...proof, root1], root1, root2));
      expectReject(() => verifyConsistency(m, n, proof, root2, root1), ['ERR_MERKLE_ROOT_MISMATCH']);
      if (consistencyNodes(m, n + 1).parts.length !== proof.length) {
        expectReject(() => verifyConsistency(m, n + 1, proof, root1, root2), ['ERR_MERKLE_PROOF_LENGTH']);
      }
      if (consistencyNodes(m + 1, n).parts.length !== proof.length) {
        expectReject(() => verifyConsistency(m + 1, n, proof, root1, root2), ['ERR_MERKLE_PROOF_LENGTH']);
      }
      // With the right length, the old root must still be proven: a different size1's root fails.
      expectReject(() => verifyConsistency(m + 1, n, proof, refRoot(m + 1), root2));
    }
  });
});

describe('plans (fast-check)', () => {
  it('inclusion plans have exactly the length the verifier expects, up to 2^53 - 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.double({ min: 0, max: 1, noNaN: true }), (size, f) => {
        const index = Math.min(size - 1, Math.floor(f * size));
        const plan = inclusionNodes(index, size);
        const fake = plan.parts.map(() => new Uint8Array(32));
        rootFromInclusionProof(new Uint8Array(32), index, size, fake); // no ERR_MERKLE_PROOF_LENGTH
        assert.throws(() => rootFromInclusionProof(new Uint8Array(32), index, size, [...fake, fake[0] ?? new Uint8Array(32)]), {
          code: 'ERR_MERKLE_PROOF_LENGTH',
        });
        // Every node lies inside the tree, and the ephemeral parts cover adjacent ranges.
        for (const id of plan.ids) assert.ok((id.index + 1) * 2 ** id.level <= size, `node (${id.level}, ${id.index}) outside ${size}`);
        assert.equal(plan.parts.reduce((a, b) => a + b, 0), plan.ids.length);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('consistency plans: nodes inside the new tree, length accepted by the verifier up to 2^53 - 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.double({ min: 0, max: 1, noNaN: true }), (size2, f) => {
        const size1 = Math.max(1, Math.min(size2, Math.ceil(f * size2)));
        const plan = consistencyNodes(size1, size2);
        for (const id of plan.ids) assert.ok((id.index + 1) * 2 ** id.level <= size2);
        if (size1 === size2) return assert.equal(plan.ids.length, 0);
        const fake = plan.parts.map((_, i) => Uint8Array.of(i, ...new Uint8Array(31)));
        // Random hashes fail on the roots, never on the length.
        assert.throws(() => verifyConsistency(size1, size2, fake, new Uint8Array(32), new Uint8Array(32)), {
          code: 'ERR_MERKLE_ROOT_MISMATCH',
        });
        assert.throws(() => verifyConsistency(size1, size2, [...fake, fake[0]], new Uint8Array(32), new Uint8Array(32)), {
          code: 'ERR_MERKLE_PROOF_LENGTH',
        });
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
