/**
 * RFC 9162 facts embedded here (run everywhere) and the full transparency-dev/merkle corpus
 * in test/vectors/rfc9162 (missing: a printed skip, a failure under CI=true): every inclusion and
 * consistency case, happy or mutated, must give exactly its expected accept/reject.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { VECTORS_DIR, vectorsSkip } from '../../../test/support/vectors.js';
import {
  CompactRange,
  EMPTY_ROOT,
  MemoryNodeStore,
  MerkleError,
  consistencyProof,
  emptyRoot,
  hashLeaf,
  inclusionProof,
  rootAt,
  rootFromConsistencyProof,
  verifyConsistency,
  verifyInclusion,
} from './index.js';
import { hex, unhex } from '../test/rfc9162.reference.js';

/** The 8 standard leaves of the RFC 6962 / 9162 test suites (hex). */
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
/** MTH of the first n standard leaves, n = 0 … 8 (transparency-dev/merkle testdata). */
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
/** Proofs from the corpus happy paths (inclusion/2, inclusion/4, consistency/2, consistency/3). */
const INCLUSION_FACTS = [
  { index: 5, size: 8, proof: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { index: 1, size: 5, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];
const CONSISTENCY_FACTS = [
  { size1: 6, size2: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { size1: 2, size2: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];

function standardTree(): { range: CompactRange; store: MemoryNodeStore; leaves: Uint8Array[] } {
  const range = new CompactRange();
  const store = new MemoryNodeStore();
  const leaves = LEAVES.map((h) => hashLeaf(unhex(h)));
  for (const l of leaves) range.append(l, store.onNode);
  return { range, store, leaves };
}

describe('RFC 9162 embedded facts (8 standard leaves)', () => {
  it('empty root is SHA-256("")', () => {
    assert.equal(hex(EMPTY_ROOT), ROOTS[0]);
    assert.equal(hex(emptyRoot()), ROOTS[0]);
    assert.equal(hex(new CompactRange().root()), ROOTS[0]);
  });

  it('compact range roots for sizes 0–8 match', () => {
    const range = new CompactRange();
    assert.equal(hex(range.root()), ROOTS[0]);
    LEAVES.forEach((leaf, i) => {
      range.append(hashLeaf(unhex(leaf)));
      assert.equal(hex(range.root()), ROOTS[i + 1], `size ${i + 1}`);
    });
  });

  it('rootAt from stored nodes matches for sizes 0–8', async () => {
    const { store } = standardTree();
    for (let n = 0; n <= 8; n++) assert.equal(hex(await rootAt(store, n)), ROOTS[n], `size ${n}`);
  });

  for (const f of INCLUSION_FACTS) {
    it(`inclusion proof of leaf ${f.index} at size ${f.size} is the known one and verifies`, async () => {
      const { store, leaves } = standardTree();
      const proof = await inclusionProof(store, f.index, f.size);
      assert.deepEqual(proof.map(hex), f.proof);
      verifyInclusion(leaves[f.index], f.index, f.size, proof, unhex(ROOTS[f.size]));
      assert.throws(() => verifyInclusion(leaves[f.index], f.index, f.size, proof, unhex(ROOTS[f.size - 1])), {
        code: 'ERR_MERKLE_ROOT_MISMATCH',
      });
    });
  }

  for (const f of CONSISTENCY_FACTS) {
    it(`consistency proof ${f.size1} → ${f.size2} is the known one and verifies`, async () => {
      const { store } = standardTree();
      const proof = await consistencyProof(store, f.size1, f.size2);
      assert.deepEqual(proof.map(hex), f.proof);
      verifyConsistency(f.size1, f.size2, proof, unhex(ROOTS[f.size1]), unhex(ROOTS[f.size2]));
      assert.throws(() => verifyConsistency(f.size1, f.size2, proof, unhex(ROOTS[f.size2]), unhex(ROOTS[f.size1])), {
        code: 'ERR_MERKLE_ROOT_MISMATCH',
      });
    });
  }
});

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function jsonFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) jsonFiles(p, out);
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Runs `fn`; returns the MerkleError it threw, undefined if none. Any other error fails the test. */
function outcome(fn: () => void): MerkleError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof MerkleError, `expected a MerkleError, got ${String(e)}`);
    assert.match(e.code, /^ERR_MERKLE_/);
    return e;
  }
}

const rfcDir = join(VECTORS_DIR, 'rfc9162');

describe('transparency-dev corpus: inclusion', { skip: vectorsSkip('rfc9162/inclusion') }, () => {
  const files = jsonFiles(join(rfcDir, 'inclusion'));
  it('has cases', () => assert.ok(files.length >= 90, `found ${files.length}`));
  const tree = standardTree();
  let generated = 0;
  for (const file of files) {
    const c = JSON.parse(readFileSync(file, 'utf8')) as InclusionCase;
    it(`${relative(rfcDir, file)} (${c.desc}) → ${c.wantErr ? 'reject' : 'accept'}`, async () => {
      const proof = (c.proof ?? []).map(b64);
      const err = outcome(() => verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, proof, b64(c.root)));
      assert.equal(err !== undefined, c.wantErr, err ? `rejected: ${err.code} ${err.message}` : 'accepted');
      // Happy paths over the standard leaves: our generator must produce the very same proof.
      if (!c.wantErr && c.treeSize <= 8 && hex(b64(c.root)) === ROOTS[c.treeSize]) {
        const ours = await inclusionProof(tree.store, c.leafIdx, c.treeSize);
        assert.deepEqual(ours.map(hex), proof.map(hex));
        generated++;
      }
    });
  }
  it('our generator reproduced the happy-path proofs over the standard leaves', () => assert.ok(generated >= 4, `${generated}`));
});

describe('transparency-dev corpus: consistency', { skip: vectorsSkip('rfc9162/consistency') }, () => {
  const files = jsonFiles(join(rfcDir, 'consistency'));
  it('has cases', () => assert.ok(files.length >= 90, `found ${files.length}`));
  const tree = standardTree();
  let generated = 0;
  for (const file of files) {
    const c = JSON.parse(readFileSync(file, 'utf8')) as ConsistencyCase;
    it(`${relative(rfcDir, file)} (${c.desc}) → ${c.wantErr ? 'reject' : 'accept'}`, async () => {
      const proof = (c.proof ?? []).map(b64);
      const err = outcome(() => verifyConsistency(c.size1, c.size2, proof, b64(c.root1), b64(c.root2)));
      assert.equal(err !== undefined, c.wantErr, err ? `rejected: ${err.code} ${err.message}` : 'accepted');
      // The one-pass derivation of the newer root (what a consistency receipt's verifier needs):
      // on every accepted case it yields root2; where it fails, verifyConsistency fails too.
      let derived: Uint8Array | undefined;
      const derr = outcome(() => (derived = rootFromConsistencyProof(c.size1, c.size2, proof, b64(c.root1))));
      if (!c.wantErr) assert.equal(hex(derived!), hex(b64(c.root2)));
      if (derr) assert.ok(err, `rootFromConsistencyProof refused an accepted case: ${derr.code}`);
      if (!c.wantErr && c.size2 <= 8 && c.size1 > 0 && hex(b64(c.root2)) === ROOTS[c.size2]) {
        const ours = await consistencyProof(tree.store, c.size1, c.size2);
        assert.deepEqual(ours.map(hex), proof.map(hex));
        generated++;
      }
    });
  }
  it('our generator reproduced the happy-path proofs over the standard leaves', () => assert.ok(generated >= 4, `${generated}`));
});
