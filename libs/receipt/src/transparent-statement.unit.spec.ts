import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Alg, HeaderLabel, decodeSign1, nobleBackend, nodeCryptoBackend, verifySign1, type CoseSign1 } from '../../cose/src/index.js';
import { ISSUER, LOG_ID, STATEMENT_ISSUER, makeIdentity, makeStatement, TestLog, type Identity } from '../test/test-log.fixture.js';
import {
  ReceiptError,
  entryIdOf,
  splitTransparentStatement,
  toEntry,
  toTransparentStatement,
  verifyTransparentStatement,
} from './index.js';

const backend = nodeCryptoBackend;

function rejectsWith(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ReceiptError, `expected a ReceiptError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

describe('transparent statements', () => {
  let service: Identity;
  let issuer: Identity;
  let log: TestLog;
  let plain: Uint8Array;
  let withHeaders: Uint8Array;
  const extra = new Map<number | string, unknown>([[33, [Uint8Array.of(0x30, 0x82)]], ['org.example.note', 'unsigned hint']]);

  before(async () => {
    service = await makeIdentity(backend, Alg.ES256);
    issuer = await makeIdentity(backend, Alg.EdDSA);
    log = new TestLog(service, backend);
    plain = await makeStatement(issuer, backend, 'oci://r.example/app@sha256:' + 'a'.repeat(64));
    withHeaders = await makeStatement(issuer, backend, 'oci://r.example/lib@sha256:' + 'b'.repeat(64), undefined, extra);
    const filler = await Promise.all([0, 1, 2].map((i) => makeStatement(issuer, backend, `filler-${i}`)));
    await log.appendBatch([filler[0]!, plain]);
    await log.appendBatch([filler[1]!, withHeaders, filler[2]!]);
  });

  const issuerKey = () => issuer.pub;

  it('round trip: 394 holds the receipt, the entry is unchanged, the issuer signature still verifies', async () => {
    const receipt = await log.receipt(1);
    const ts = toTransparentStatement(plain, [receipt]);
    const { statement, entry, receipts } = splitTransparentStatement(ts);
    assert.deepEqual(receipts, [receipt]);
    assert.deepEqual(entry, toEntry(plain).entry);
    await verifySign1(statement, issuer.pub);
    const v = await verifyTransparentStatement(ts, { serviceKeys: [service.pub], issuerKey, expectedIssuer: ISSUER, expectedLogId: LOG_ID });
    assert.equal(v.entryId, entryIdOf(toEntry(plain).entry));
    assert.equal(v.iss, STATEMENT_ISSUER);
    assert.equal(v.sub, 'oci://r.example/app@sha256:' + 'a'.repeat(64));
    assert.equal(v.receipts.length, 1);
    assert.equal(v.receipts[0]!.leafIndex, 1);
    assert.equal(v.issuerSignatureVerified, true);
  });

  it('keeps the statement\'s other unprotected headers, and its protected bytes, payload and signature', async () => {
    const ts = toTransparentStatement(withHeaders, [await log.receipt(3)]);
    const before = decodeSign1(withHeaders);
    const after = decodeSign1(ts);
    assert.deepEqual(after.unprotectedHeader.get(33), extra.get(33));
    assert.equal(after.unprotectedHeader.get('org.example.note'), 'unsigned hint');
    assert.deepEqual(after.protectedBytes, before.protectedBytes);
    assert.deepEqual(after.payload, before.payload);
    assert.deepEqual(after.signature, before.signature);
    assert.deepEqual(toEntry(ts).entry, toEntry(withHeaders).entry);
    await verifyTransparentStatement(ts, { serviceKeys: [service.pub], issuerKey, backend: nobleBackend });
  });

  it('adds to an existing 394 array (receipts of several sizes), without duplicates', async () => {
    const r2 = await log.receipt(1, 2);
    const r5 = await log.receipt(1, 5);
    const ts1 = toTransparentStatement(plain, [r2]);
    const ts2 = toTransparentStatement(ts1, [r5, r2]);
    assert.deepEqual(splitTransparentStatement(ts2).receipts, [r2, r5]);
    const v = await verifyTransparentStatement(ts2, { serviceKeys: [service.pub], issuerKey });
    assert.deepEqual(v.receipts.map((r) => r.treeSize), [2, 5]);
  });

  it('untagged input comes out tagged', async () => {
    const untagged = plain.subarray(1); // drop d2
    const ts = toTransparentStatement(untagged, [await log.receipt(1)]);
    assert.equal(ts[0], 0xd2);
    assert.equal(decodeSign1(ts).tagged, true);
  });

  it('no receipt → ERR_RECEIPT_NO_RECEIPTS; a bad receipt names its index and keeps the code', async () => {
    await assert.rejects(verifyTransparentStatement(plain, { serviceKeys: [service.pub] }), rejectsWith('ERR_RECEIPT_NO_RECEIPTS'));
    await assert.rejects(verifyTransparentStatement(toTransparentStatement(plain, []), { serviceKeys: [service.pub] }), rejectsWith('ERR_RECEIPT_NO_RECEIPTS'));
    const good = await log.receipt(1);
    const wrongEntry = await log.receipt(0);
    const ts = toTransparentStatement(plain, [good, wrongEntry]);
    await assert.rejects(verifyTransparentStatement(ts, { serviceKeys: [service.pub] }), (e: unknown) => {
      rejectsWith('ERR_RECEIPT_SIGNATURE')(e);
      assert.match((e as Error).message, /receipt 1 of 2/);
      return true;
    });
    const garbage = toTransparentStatement(plain, [Uint8Array.of(0xd2, 0x84)]);
    await assert.rejects(verifyTransparentStatement(garbage, { serviceKeys: [service.pub] }), rejectsWith('ERR_RECEIPT_MALFORMED'));
    await assert.rejects(verifyTransparentStatement(toTransparentStatement(plain, [good]), { serviceKeys: [service.pub], expectedIssuer: 'x' }), rejectsWith('ERR_RECEIPT_ISSUER'));
  });

  it('issuer checks: unknown key → ERR_STATEMENT_UNKNOWN_KEY; another key or altered payload → ERR_STATEMENT_SIGNATURE', async () => {
    const ts = toTransparentStatement(plain, [await log.receipt(1)]);
    await assert.rejects(verifyTransparentStatement(ts, { serviceKeys: [service.pub], issuerKey: () => undefined }), rejectsWith('ERR_STATEMENT_UNKNOWN_KEY'));
    const stranger = await makeIdentity(backend, Alg.EdDSA);
    await assert.rejects(verifyTransparentStatement(ts, { serviceKeys: [service.pub], issuerKey: async () => stranger.pub }), rejectsWith('ERR_STATEMENT_SIGNATURE'));
    // Without an issuer key only the receipts are checked, and the result says so.
    const v = await verifyTransparentStatement(ts, { serviceKeys: [service.pub] });
    assert.equal(v.issuerSignatureVerified, false);
    // The resolver sees the decoded statement (e.g. to read its kid).
    let seen: CoseSign1 | undefined;
    await verifyTransparentStatement(ts, { serviceKeys: [service.pub], issuerKey: (s) => ((seen = s), issuer.pub) });
    assert.deepEqual(seen?.protectedHeader.get(HeaderLabel.kid), issuer.kid);
  });

  it('a statement with a detached payload verifies when the payload is supplied', async () => {
    const { signSign1 } = await import('../../cose/src/index.js');
    const payload = new TextEncoder().encode('detached content');
    const detached = await signSign1({
      protectedHeader: new Map<number, unknown>([[HeaderLabel.alg, issuer.alg], [HeaderLabel.kid, issuer.kid], [HeaderLabel.cwtClaims, new Map([[1, STATEMENT_ISSUER], [2, 'detached']])]]),
      payload, detached: true, key: issuer.key, backend,
    });
    const small = new TestLog(service, backend);
    await small.appendBatch([detached]);
    const ts = toTransparentStatement(detached, [await small.receipt(0)]);
    await verifyTransparentStatement(ts, { serviceKeys: [service.pub], issuerKey, detachedPayload: payload });
    await assert.rejects(verifyTransparentStatement(ts, { serviceKeys: [service.pub], issuerKey }), rejectsWith('ERR_STATEMENT_SIGNATURE'));
  });

  it('malformed input → ERR_STATEMENT_MALFORMED; a non-bytes receipt → ERR_RECEIPT_BAD_ARGUMENT', async () => {
    for (const bad of [new Uint8Array(0), Uint8Array.of(0xd2, 0x84, 0x40), Uint8Array.of(...plain, 0)]) {
      assert.throws(() => toTransparentStatement(bad, []), rejectsWith('ERR_STATEMENT_MALFORMED'));
      assert.throws(() => splitTransparentStatement(bad), rejectsWith('ERR_STATEMENT_MALFORMED'));
      await assert.rejects(verifyTransparentStatement(bad, { serviceKeys: [] }), rejectsWith('ERR_STATEMENT_MALFORMED'));
    }
    assert.throws(() => toTransparentStatement(plain, ['x' as unknown as Uint8Array]), rejectsWith('ERR_RECEIPT_BAD_ARGUMENT'));
  });
});
