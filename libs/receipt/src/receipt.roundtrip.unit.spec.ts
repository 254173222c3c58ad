import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Alg, decodeCbor, nobleBackend, nodeCryptoBackend, toHex, type CryptoBackend } from '../../cose/src/index.js';
import { emptyRoot } from '../../merkle/src/index.js';
import { ISSUER, LOG_ID, makeIdentity, makeStatement, TestLog, type Identity } from '../test/test-log.fixture.js';
import {
  ReceiptError,
  checkpointProtectedHeader,
  decodeReceipt,
  entryIdOf,
  toEntry,
  verifyConsistencyReceipt,
  verifyReceipt,
} from './index.js';

const BACKENDS: [string, CryptoBackend][] = [
  ['node', nodeCryptoBackend],
  ['noble', nobleBackend],
];

function rejectsWith(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ReceiptError, `expected a ReceiptError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

describe('checkpointProtectedHeader', () => {
  it('encodes {1: alg, 4: kid, 15: {1: iss, 2: sub, 6: iat}, 395: 1} deterministically, to the byte', () => {
    const ph = checkpointProtectedHeader({ alg: Alg.ES256, kid: Uint8Array.of(0xab, 0xcd), issuer: 'i', logId: 's', iat: 1000 });
    // a4 | 01 26 | 04 42 abcd | 0f a3 01 61 69 02 61 73 06 19 03e8 | 19 018b 01
    assert.equal(toHex(ph), 'a4' + '0126' + '0442abcd' + '0fa3' + '016169' + '026173' + '061903e8' + '19018b01');
  });

  it('refuses bad fields with ERR_RECEIPT_BAD_ARGUMENT', () => {
    const ok = { alg: -7, kid: Uint8Array.of(1), issuer: 'i', logId: 's', iat: 1 };
    for (const bad of [{ iat: 1.5 }, { iat: -1 }, { issuer: '' }, { logId: '' }, { kid: new Uint8Array(0) }, { alg: 0.5 }]) {
      assert.throws(() => checkpointProtectedHeader({ ...ok, ...bad }), rejectsWith('ERR_RECEIPT_BAD_ARGUMENT'));
    }
  });
});

for (const [name, backend] of BACKENDS) {
  for (const alg of [Alg.ES256, Alg.EdDSA]) {
    describe(`issue → verify with the ${name} backend, alg ${alg}`, () => {
      let service: Identity;
      let issuer: Identity;
      let log: TestLog;
      const statements: Uint8Array[] = [];
      const batches = [1, 2, 4, 1, 5]; // sizes 1, 3, 7, 8, 13: powers of two and not

      before(async () => {
        service = await makeIdentity(backend, alg);
        issuer = await makeIdentity(backend, Alg.ES256);
        log = new TestLog(service, backend);
        for (const n of batches) {
          const batch: Uint8Array[] = [];
          for (let i = 0; i < n; i++) batch.push(await makeStatement(issuer, backend, `oci://registry.example/app@sha256:${String(statements.length).padStart(64, '0')}`));
          statements.push(...batch);
          await log.appendBatch(batch);
        }
      });

      it('every entry verifies at every checkpoint that contains it, with both backends', async () => {
        for (const [size, cp] of log.checkpoints) {
          for (let i = 0; i < size; i++) {
            const receipt = await log.receipt(i, size);
            for (const [, verifyBackend] of BACKENDS) {
              const v = await verifyReceipt(receipt, statements[i]!, [service.pub], { backend: verifyBackend, expectedIssuer: ISSUER, expectedLogId: LOG_ID });
              assert.equal(v.treeSize, size);
              assert.equal(v.leafIndex, i);
              assert.deepEqual(v.root, cp.root);
              assert.deepEqual(v.kid, service.kid);
              assert.equal(v.iss, ISSUER);
              assert.equal(v.sub, LOG_ID);
            }
          }
        }
      });

      it('a batch shares one checkpoint: identical protected header and signature, different proofs, all verify', async () => {
        const cp = log.checkpoints.get(13)!;
        const receipts = await Promise.all(Array.from({ length: 13 }, (_, i) => log.receipt(i, 13)));
        const decoded = receipts.map(decodeReceipt);
        for (const d of decoded) {
          assert.deepEqual(d.sign1.protectedBytes, cp.protectedHeader);
          assert.deepEqual(d.sign1.signature, cp.signature);
        }
        assert.equal(new Set(receipts.map(toHex)).size, 13);
        const verified = await Promise.all(receipts.map((r, i) => verifyReceipt(r, statements[i]!, [service.pub], { backend })));
        assert.ok(verified.every((v) => toHex(v.root) === toHex(cp.root)));
      });

      it('the receipt verifies against the statement and against its entry alike', async () => {
        const r = await log.receipt(5);
        const { entry } = toEntry(statements[5]!);
        const a = await verifyReceipt(r, statements[5]!, [service.pub], { backend });
        const b = await verifyReceipt(r, entry, [service.pub], { backend });
        assert.deepEqual(a, b);
        assert.equal(entryIdOf(entry), toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', entry))));
      });

      it('decodes our receipt into exactly the issued fields', async () => {
        const r = decodeReceipt(await log.receipt(6, 7));
        assert.equal(r.alg, alg);
        assert.equal(r.vds, 1);
        assert.equal(r.iss, ISSUER);
        assert.equal(r.sub, LOG_ID);
        assert.equal(typeof r.iat, 'number');
        assert.equal(r.consistency, undefined);
        assert.equal(r.inclusion?.length, 1);
        assert.equal(r.inclusion[0]!.treeSize, 7);
        assert.equal(r.inclusion[0]!.leafIndex, 6);
        assert.equal(r.inclusion[0]!.path.length, 2); // leaf 6 of 7: sibling subtrees [4,6) and [0,4)
        assert.equal(r.sign1.payload, null);
        assert.equal(r.sign1.unprotectedHeader.size, 1);
      });

      it('the first receipt of a log has an empty inclusion path and verifies', async () => {
        const r = await log.receipt(0, 1);
        assert.deepEqual(decodeReceipt(r).inclusion?.[0]!.path, []);
        await verifyReceipt(r, statements[0]!, [service.pub], { backend });
      });

      it('consistency receipts verify between every pair of checkpoints', async () => {
        const sizes = [...log.checkpoints.keys()];
        for (const s1 of sizes) {
          for (const s2 of sizes) {
            if (s2 < s1) continue;
            const r = await log.consistencyReceipt(s1, s2);
            const v = await verifyConsistencyReceipt(r, log.checkpoints.get(s1)!.root, [service.pub], { backend, expectedSize1: s1, expectedIssuer: ISSUER, expectedLogId: LOG_ID });
            assert.equal(v.size1, s1);
            assert.equal(v.size2, s2);
            assert.deepEqual(v.root2, log.checkpoints.get(s2)!.root);
            const proof = decodeCbor((decodeReceipt(r).sign1.unprotectedHeader.get(396) as Map<number, Uint8Array[]>).get(-2)![0]!);
            assert.deepEqual((proof as unknown[]).slice(0, 2), [s1, s2]);
          }
        }
      });

      it('a consistency receipt fails for a wrong old root, another size1, or an empty-tree root', async () => {
        const r = await log.consistencyReceipt(3, 13);
        for (const wrong of [log.checkpoints.get(7)!.root, emptyRoot(), log.checkpoints.get(13)!.root, new Uint8Array(31)]) {
          await assert.rejects(verifyConsistencyReceipt(r, wrong, [service.pub], { backend }), rejectsWith('ERR_RECEIPT_PROOF'));
        }
        await assert.rejects(verifyConsistencyReceipt(r, log.checkpoints.get(3)!.root, [service.pub], { backend, expectedSize1: 7 }), rejectsWith('ERR_RECEIPT_PROOF'));
      });

      it('inclusion and consistency receipts are not interchangeable', async () => {
        const inc = await log.receipt(2, 13);
        const con = await log.consistencyReceipt(7, 13);
        await assert.rejects(verifyReceipt(con, statements[2]!, [service.pub], { backend }), rejectsWith('ERR_RECEIPT_WRONG_KIND'));
        await assert.rejects(verifyConsistencyReceipt(inc, log.checkpoints.get(7)!.root, [service.pub], { backend }), rejectsWith('ERR_RECEIPT_WRONG_KIND'));
      });
    });
  }
}
