/**
 * The receipt writer (receipt.codec.ts `encodeReceipt`) writes its CBOR by hand; the generic
 * deterministic encoder is the oracle. Both must give the same bytes for every size, index and
 * path length, across each head-length boundary (23/24, 255/256, 65535/65536, 2^32 − 1/2^32,
 * 2^53 − 1).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { COSE_SIGN1_TAG, encodeCbor, HeaderLabel, Tagged, toHex } from '../../cose/src/index.js';
import { checkpointProtectedHeader, decodeReceipt, encodeConsistencyReceipt, encodeInclusionReceipt, encodeInclusionReceipts, ProofType } from './index.js';

/** The receipt as the generic encoder writes it: the structure RFC 9942 describes, built of Maps. */
function oracle(protectedHeader: Uint8Array, signature: Uint8Array, type: number, a: number, b: number, path: Uint8Array[]): Uint8Array {
  const proof = encodeCbor([a, b, path]);
  return encodeCbor(new Tagged(COSE_SIGN1_TAG, [protectedHeader, new Map([[HeaderLabel.vdp, new Map([[type, [proof]]])]]), null, signature]));
}

const BOUNDARIES = [0, 1, 22, 23, 24, 25, 254, 255, 256, 257, 65534, 65535, 65536, 65537, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 2, 2 ** 53 - 1];
const PATH_LENGTHS = [0, 1, 2, 10, 23, 24, 25, 40, 63, 64];

describe('receipt writer against the generic deterministic encoder', () => {
  const protectedHeader = randomBytes(70);
  const signature = randomBytes(64);
  const hashes = Array.from({ length: 64 }, () => randomBytes(32));

  it('writes inclusion receipts byte for byte as the generic encoder, over every boundary pair and path length', () => {
    let n = 0;
    for (const size of BOUNDARIES.filter((s) => s > 0)) {
      for (const index of BOUNDARIES.filter((i) => i < size)) {
        for (const len of PATH_LENGTHS) {
          const path = hashes.slice(0, len);
          const got = encodeInclusionReceipt({ protectedHeader, signature, treeSize: size, leafIndex: index, path });
          assert.equal(toHex(got), toHex(oracle(protectedHeader, signature, ProofType.inclusion, size, index, path)), `size ${size}, index ${index}, path ${len}`);
          n++;
        }
      }
    }
    assert.ok(n > 1500, `compared ${n} receipts`);
  });

  it('writes consistency receipts byte for byte as the generic encoder', () => {
    for (const size1 of BOUNDARIES.filter((s) => s > 0)) {
      for (const size2 of BOUNDARIES.filter((s) => s >= size1)) {
        for (const len of [0, 1, 24, 64]) {
          const path = hashes.slice(0, len);
          const got = encodeConsistencyReceipt({ protectedHeader, signature, size1, size2, path });
          assert.equal(toHex(got), toHex(oracle(protectedHeader, signature, ProofType.consistency, size1, size2, path)), `${size1} → ${size2}, path ${len}`);
        }
      }
    }
  });

  it('writes random (size, index) pairs and header lengths as the generic encoder, and decodes them back', () => {
    for (let i = 0; i < 500; i++) {
      const size = 1 + Math.floor(Math.random() * 2 ** (1 + Math.floor(Math.random() * 52)));
      const index = Math.floor(Math.random() * size);
      const ph = checkpointProtectedHeader({ alg: -7, kid: randomBytes(1 + Math.floor(Math.random() * 64)), issuer: 'i'.repeat(1 + Math.floor(Math.random() * 300)), logId: 's', iat: i });
      const sig = randomBytes(1 + Math.floor(Math.random() * 300));
      const path = hashes.slice(0, Math.floor(Math.random() * 65));
      const got = encodeInclusionReceipt({ protectedHeader: ph, signature: sig, treeSize: size, leafIndex: index, path });
      assert.equal(toHex(got), toHex(oracle(ph, sig, ProofType.inclusion, size, index, path)), `size ${size}, index ${index}`);
      const back = decodeReceipt(got);
      const [inc] = back.inclusion!;
      assert.deepEqual([inc!.treeSize, inc!.leafIndex, inc!.path.map(toHex)], [size, index, path.map(toHex)]);
      assert.equal(toHex(back.sign1.signature), toHex(sig));
    }
  });

  it('encodeInclusionReceipts: the bytes of encodeInclusionReceipt for each leaf, as views into one buffer', () => {
    for (const size of [1, 24, 300, 2 ** 32 + 5]) {
      const proofs = BOUNDARIES.filter((i) => i < size).map((leafIndex, k) => ({ leafIndex, path: hashes.slice(0, k % 40) }));
      const got = encodeInclusionReceipts({ protectedHeader, signature, treeSize: size, proofs });
      assert.equal(got.length, proofs.length);
      got.forEach((r, k) => {
        assert.equal(toHex(r), toHex(encodeInclusionReceipt({ protectedHeader, signature, treeSize: size, ...proofs[k]! })), `size ${size}, proof ${k}`);
        assert.equal(r.buffer, got[0]!.buffer);
      });
    }
    assert.deepEqual(encodeInclusionReceipts({ protectedHeader, signature, treeSize: 5, proofs: [] }), []);
    assert.throws(() => encodeInclusionReceipts({ protectedHeader, signature, treeSize: 5, proofs: [{ leafIndex: 1, path: [] }, { leafIndex: 5, path: [] }] }), { code: 'ERR_RECEIPT_BAD_ARGUMENT' });
    assert.throws(() => encodeInclusionReceipts({ protectedHeader, signature, treeSize: 5, proofs: [{ leafIndex: 1, path: [new Uint8Array(31)] }] }), { code: 'ERR_RECEIPT_BAD_ARGUMENT' });
  });

  it('leaves no state behind: receipts written one after another, from a shared buffer, are each whole', () => {
    const a = encodeInclusionReceipt({ protectedHeader, signature, treeSize: 1000, leafIndex: 7, path: hashes.slice(0, 10) });
    const b = encodeInclusionReceipt({ protectedHeader, signature, treeSize: 2000, leafIndex: 9, path: hashes.slice(0, 11) });
    assert.equal(toHex(a), toHex(oracle(protectedHeader, signature, ProofType.inclusion, 1000, 7, hashes.slice(0, 10))));
    assert.equal(toHex(b), toHex(oracle(protectedHeader, signature, ProofType.inclusion, 2000, 9, hashes.slice(0, 11))));
  });
});
