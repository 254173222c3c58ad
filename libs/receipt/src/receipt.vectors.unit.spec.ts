/**
 * The RFC 9942 example receipts (cose-wg/draft-ietf-cose-merkle-tree-proofs `examples/`, copied to
 * test/vectors/cose-receipts: the demo receipts of a 5-leaf tree signed with ES256 by kid
 * "test-key-1"). The signing key is not published, so these tests check structure and proof math,
 * not signatures.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Alg, fromHex, toHex } from '../../cose/src/index.js';
import { hashChildren, rootFromInclusionProof } from '../../merkle/src/index.js';
import { VECTORS_DIR, vectorsSkip } from '../../../test/support/vectors.js';
import { ReceiptError, decodeReceipt, rootFromConsistencyProof, verifyReceipt, type DecodedReceipt } from './index.js';

const ISS = 'https://transparency-service.example.com';
const KID = new TextEncoder().encode('test-key-1');

/** The RFC 9942 example inclusion receipt (inclusion-receipt.cbor, 250 bytes), embedded so this runs anywhere. */
const INCLUSION_RECEIPT_HEX =
  'd2845840a40126044a746573742d6b65792d3119018b010fa101782868747470733a2f2f7472616e73706172656e63792d73657276' +
  '6963652e6578616d706c652e636f6da119018ca12081586a8305038358203d06455dd33da4e9bbd8090677a2d0955e6dffe4b920' +
  '69605a468920d1198095582033a5211719e06238a191c7244a7633187da2c9aaa5bc6dec54e2cbb49825543458204d75742d9ea0' +
  '2f7767dcd554a7878ff22cdb208be9f3d35f7aa7700b57e741c0f6584034e81008fb0e4e521657668745450df608d0e5c015dffc' +
  '5d607dd78236c2908f4e2b643817d9191d0abd7c074aff2b1bfda519ab3fab210ff2e0a1de275de6a7';

function checkCommon(r: DecodedReceipt): void {
  assert.equal(r.sign1.tagged, true);
  assert.equal(r.alg, Alg.ES256);
  assert.deepEqual(r.kid, KID);
  assert.equal(r.vds, 1);
  assert.equal(r.iss, ISS);
  assert.equal(r.sub, undefined); // the examples carry iss only
  assert.equal(r.iat, undefined);
  assert.equal(r.sign1.payload, null);
  assert.equal(r.sign1.signature.length, 64);
  // Wire order: the example is not in deterministic order (395 before 15); decoding keeps the bytes as received.
  assert.deepEqual([...r.sign1.protectedHeader.keys()], [1, 4, 395, 15]);
  assert.deepEqual([...r.sign1.unprotectedHeader.keys()], [396]);
}

describe('RFC 9942 example inclusion receipt (embedded)', () => {
  const r = decodeReceipt(fromHex(INCLUSION_RECEIPT_HEX));

  it('decodes: tag 18, {alg ES256, kid, vds 1, cwt {iss}}, 396 {-1: [bstr .cbor [5, 3, [3 hashes]]]}', () => {
    checkCommon(r);
    assert.equal(r.consistency, undefined);
    assert.equal(r.inclusion?.length, 1);
    const p = r.inclusion[0]!;
    assert.equal(p.treeSize, 5);
    assert.equal(p.leafIndex, 3);
    assert.deepEqual(p.path.map((h) => toHex(h).slice(0, 8)), ['3d06455d', '33a52117', '4d75742d']);
  });

  it('cannot be verified as one of ours: it has no sub (the log id) — refused as MALFORMED, never accepted', async () => {
    await assert.rejects(verifyReceipt(fromHex(INCLUSION_RECEIPT_HEX), Uint8Array.of(0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40), []), (e: unknown) => e instanceof ReceiptError && e.code === 'ERR_RECEIPT_MALFORMED');
  });
});

const skip = vectorsSkip('cose-receipts');
describe('RFC 9942 example receipts (test/vectors/cose-receipts)', { skip }, () => {
  const read = (name: string) => new Uint8Array(readFileSync(join(VECTORS_DIR, 'cose-receipts', name)));

  it('inclusion-receipt.cbor is the receipt embedded above', () => {
    assert.equal(toHex(read('inclusion-receipt.cbor')), INCLUSION_RECEIPT_HEX);
  });

  it('consistency-receipt.cbor decodes: same protected header, 396 {-2: [bstr .cbor [3, 5, [4 hashes]]]}', () => {
    const c = decodeReceipt(read('consistency-receipt.cbor'));
    checkCommon(c);
    assert.equal(c.inclusion, undefined);
    assert.equal(c.consistency?.length, 1);
    const p = c.consistency[0]!;
    assert.equal(p.size1, 3);
    assert.equal(p.size2, 5);
    assert.equal(p.path.length, 4);
    assert.deepEqual(c.sign1.protectedBytes, decodeReceipt(read('inclusion-receipt.cbor')).sign1.protectedBytes);
  });

  it('both examples describe one tree: the consistency-derived root of size 5 equals the inclusion-derived one', () => {
    const inc = decodeReceipt(read('inclusion-receipt.cbor')).inclusion![0]!;
    const con = decodeReceipt(read('consistency-receipt.cbor')).consistency![0]!;
    // RFC 9162 PROOF(3, D[5]) = [MTH(d2), MTH(d3), MTH(d0..1), MTH(d4)]; PATH(3, D[5]) = [MTH(d2), MTH(d0..1), MTH(d4)].
    const [h2, h3, h01, h4] = con.path as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    assert.deepEqual(inc.path, [h2, h01, h4]);
    const root3 = hashChildren(h01, h2);
    const fromInclusion = rootFromInclusionProof(h3, 3, 5, inc.path);
    const fromConsistency = rootFromConsistencyProof(3, 5, con.path, root3);
    assert.equal(toHex(fromConsistency), toHex(fromInclusion));
    assert.throws(() => rootFromConsistencyProof(3, 5, con.path, h2), /ROOT_MISMATCH|differs/);
  });
});

describe('docs/receipts.md example', () => {
  const docPath = new URL('../../../../docs/receipts.md', import.meta.url);
  const skipDoc = existsSync(docPath) ? false : `docs/receipts.md not found at ${docPath.pathname}`;

  it('the documented hex decodes to exactly what its annotation says', { skip: skipDoc }, () => {
    const hex = readFileSync(docPath, 'utf8').split('\n').filter((l) => /^[0-9a-f]{60,}$/.test(l)).join('');
    const r = decodeReceipt(fromHex(hex));
    assert.equal(r.alg, Alg.ES256);
    assert.equal(toHex(r.kid).slice(0, 8), 'a3e9be59');
    assert.equal(r.iss, 'https://ledger.example');
    assert.equal(r.sub, 'log-main');
    assert.equal(r.iat, 1767225600);
    assert.deepEqual([...r.sign1.protectedHeader.keys()], [1, 4, 15, 395]);
    const p = r.inclusion![0]!;
    assert.deepEqual([p.treeSize, p.leafIndex, p.path.map((h) => toHex(h).slice(0, 8))], [3, 1, ['350e3c39', 'dc70aa7e']]);
    assert.equal(toHex(r.sign1.signature).slice(0, 8), 'ca91e6a8');
  });
});
