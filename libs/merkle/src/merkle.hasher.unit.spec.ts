import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  CompactRange,
  MemoryNodeStore,
  consistencyProof,
  createMerkleHasher,
  inclusionProof,
  nobleMerkleHasher,
  nodeMerkleHasher,
  nodeSha256,
  rootAt,
  verifyConsistency,
  verifyInclusion,
  type MerkleHasher,
} from './index.js';
import { hex, unhex } from '../test/rfc9162.reference.js';

/** The 8 standard leaves of the RFC 6962 / 9162 test suites and the roots of their prefixes (0 … 8). */
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** A noble hasher that counts its node hashes: proves the injected hasher is the one used. */
function counting(): MerkleHasher & { nodes: number } {
  const inner = createMerkleHasher('counting', (d) => sha256(d));
  const h = {
    name: 'counting',
    nodes: 0,
    hashLeaf: inner.hashLeaf,
    emptyRoot: inner.emptyRoot,
    hashChildren: (l: Uint8Array, r: Uint8Array) => {
      h.nodes++;
      return inner.hashChildren(l, r);
    },
  };
  return h;
}

for (const hasher of [nodeMerkleHasher, nobleMerkleHasher]) {
  describe(`the ${hasher.name} Merkle hasher`, () => {
    it('gives the RFC 9162 roots of the 8 standard leaves (sizes 0–8) and SHA-256("") for the empty tree', async () => {
      assert.equal(hex(hasher.emptyRoot()), ROOTS[0]);
      const range = new CompactRange(hasher);
      const store = new MemoryNodeStore();
      assert.equal(hex(range.root()), ROOTS[0]);
      for (const [i, l] of LEAVES.entries()) {
        range.append(hasher.hashLeaf(unhex(l)), store.onNode);
        assert.equal(hex(range.root()), ROOTS[i + 1], `size ${i + 1}`);
        assert.equal(hex(await rootAt(store, i + 1, hasher)), ROOTS[i + 1]);
      }
      assert.equal(hex(range.clone().root()), ROOTS[8]);
    });

    it('agrees byte for byte with the other hasher on random inputs and refuses non-32-byte children', () => {
      const other = hasher === nodeMerkleHasher ? nobleMerkleHasher : nodeMerkleHasher;
      for (let n = 0; n < 300; n += 7) {
        const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
        assert.equal(hex(hasher.hashLeaf(data)), hex(other.hashLeaf(data)));
        const a = hasher.hashLeaf(data);
        const b = hasher.hashLeaf(a);
        assert.equal(hex(hasher.hashChildren(a, b)), hex(other.hashChildren(a, b)));
      }
      assert.throws(() => hasher.hashChildren(new Uint8Array(31), new Uint8Array(32)), { code: 'ERR_MERKLE_BAD_HASH_SIZE' });
    });
  });
}

describe('hash injection', () => {
  it('proofs built with node:crypto verify with @noble/hashes, and a flipped bit fails on both', async () => {
    const range = new CompactRange();
    const store = new MemoryNodeStore();
    const entries = Array.from({ length: 37 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
    for (const e of entries) range.append(nodeMerkleHasher.hashLeaf(e), store.onNode);
    const root = range.root();
    for (const i of [0, 1, 16, 31, 36]) {
      const proof = await inclusionProof(store, i, 37);
      verifyInclusion(nobleMerkleHasher.hashLeaf(entries[i]!), i, 37, proof, root, nobleMerkleHasher);
      const bad = proof.map((p) => Uint8Array.from(p));
      bad[0]![5]! ^= 1;
      for (const h of [nodeMerkleHasher, nobleMerkleHasher]) {
        assert.throws(() => verifyInclusion(h.hashLeaf(entries[i]!), i, 37, bad, root, h), { code: 'ERR_MERKLE_ROOT_MISMATCH' });
      }
    }
    for (const [a, b] of [[1, 37], [16, 37], [20, 33]] as const) {
      const proof = await consistencyProof(store, a, b, nobleMerkleHasher);
      verifyConsistency(a, b, proof, await rootAt(store, a), await rootAt(store, b), nobleMerkleHasher);
    }
  });

  it('every node hash of a verification goes through the injected hasher', async () => {
    const store = new MemoryNodeStore();
    const range = new CompactRange();
    for (let i = 0; i < 8; i++) range.append(nodeMerkleHasher.hashLeaf(unhex(LEAVES[i]!)), store.onNode);
    const h = counting();
    verifyInclusion(h.hashLeaf(unhex(LEAVES[5]!)), 5, 8, await inclusionProof(store, 5, 8), unhex(ROOTS[8]!), h);
    assert.equal(h.nodes, 3, 'one node hash per proof element');
    const r = new CompactRange(h);
    for (const l of LEAVES) r.append(h.hashLeaf(unhex(l)));
    assert.equal(hex(r.root()), ROOTS[8]);
    assert.equal(h.nodes, 3 + 7, 'a perfect tree of 8 leaves has 7 interior nodes');
  });
});

describe('nodeSha256', () => {
  it('equals @noble/hashes on inputs of every size class, each digest a 32-byte array of its own', () => {
    for (const n of [0, 1, 31, 32, 33, 63, 64, 65, 1000, 70_000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 7 + n) % 256);
      const got = nodeSha256(data);
      assert.deepEqual(got, sha256(data), `${n} bytes`);
      assert.equal(got.constructor, Uint8Array, 'a plain Uint8Array, not a Buffer');
      assert.equal(got.byteOffset, 0);
      assert.equal(got.buffer.byteLength, 32, 'its own memory: keeping a hash keeps no larger buffer alive');
    }
  });
});

describe('hashLeaf input buffer', () => {
  it('leaves of growing and shrinking sizes, one after another, each get SHA-256(0x00 ‖ entry)', () => {
    for (const hasher of [nodeMerkleHasher, nobleMerkleHasher]) {
      for (const n of [5000, 3, 70_000, 0, 4095, 4096, 65_535, 65_536, 100, 9000]) {
        const entry = new Uint8Array(n).map((_, i) => (i * 13 + n) % 256);
        const want = sha256(Uint8Array.from([0, ...entry]));
        assert.deepEqual(hasher.hashLeaf(entry), want, `${hasher.name}, ${n} bytes`);
      }
    }
  });
});
