/**
 * The offline claim verifier with real keys and locally issued receipts (libs/receipt): happy
 * paths, issuer trust (pinned keys, x5chain anchors, wrong issuer), subject binding, revocations,
 * and a sweep flipping every byte of the statement and of the receipt layer — each must fail.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { Alg, CwtClaim, HeaderLabel, coseKeyThumbprint, coseKeyToJwk, decodeSign1, encodeSign1, nodeCryptoBackend, publicKey, signSign1, type CoseKey } from '../../cose/src/index.js';
import { hashChildren, hashLeaf } from '../../merkle/src/index.js';
import { encodeInclusionReceipt, signCheckpoint, toEntry, toTransparentStatement } from '../../receipt/src/index.js';
import { createCertificate } from '../../x509/src/index.js';
import { applyRevocations, verifyClaim, type VerifyContext } from './claim.verifier.js';
import { evaluateRequirements, parseRequirement } from './consumer.policy.js';
import { IssuerTrust } from './issuer.trust.js';
import type { LoadedKey } from './key.files.js';
import { buildRevocation, buildStatement } from './statement.builder.js';
import { TrustStore } from './trust.store.js';

const DIGEST = 'sha256:' + 'ab'.repeat(32);
const SUBJECT = `registry.example/app@${DIGEST}`;
const NOW = new Date('2026-01-02T03:04:05Z');

async function issuerKey(alg: number = Alg.ES256): Promise<LoadedKey & { cert: Uint8Array }> {
  const key = await nodeCryptoBackend.generateKey(alg);
  const ko = createPrivateKey({ key: coseKeyToJwk(key) as never, format: 'jwk' });
  const cert = createCertificate({ subjectKey: createPublicKey(ko), issuerKey: ko, subject: 'vendor.example', notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
  return { key, alg, kid: coseKeyThumbprint(key), source: 'test', cert };
}

/** A receipt for `statement` at leaf 0 of a 2-leaf tree, signed by `service`. */
async function receiptFor(statement: Uint8Array, service: CoseKey, iat = Math.floor(NOW.getTime() / 1000)): Promise<Uint8Array> {
  const sibling = hashLeaf(randomBytes(16));
  const root = hashChildren(hashLeaf(toEntry(statement).entry), sibling);
  const kid = coseKeyThumbprint(service);
  const cp = await signCheckpoint({ root, issuer: 'https://ledger.example', logId: 'main', iat, alg: Alg.ES256, kid, sign: (tbs) => nodeCryptoBackend.sign(Alg.ES256, service, tbs) });
  return encodeInclusionReceipt({ ...cp, treeSize: 2, leafIndex: 0, path: [sibling] });
}

describe('verifyClaim (offline)', () => {
  let service: CoseKey;
  let vendor: LoadedKey & { cert: Uint8Array };
  let ctx: VerifyContext;
  let statement: Uint8Array;
  let receipt: Uint8Array;
  let ts: Uint8Array;

  before(async () => {
    service = await nodeCryptoBackend.generateKey(Alg.ES256);
    vendor = await issuerKey();
    const anchors = new IssuerTrust();
    anchors.anchors.push({ cert: new X509Certificate(vendor.cert), source: 'vendor.crt' });
    ctx = { ledgers: new TrustStore([{ name: 'ledger-a', url: 'https://ledger.example', keys: [publicKey(service)] }]), issuers: anchors, now: () => NOW };
    statement = await buildStatement({ key: vendor, issuer: 'https://vendor.example', subject: SUBJECT, payload: new TextEncoder().encode('{"spdx":1}'), contentType: 'application/spdx+json', x5chain: [vendor.cert], iat: 1 });
    receipt = await receiptFor(statement, service);
    ts = toTransparentStatement(statement, [receipt]);
  });

  it('verifies a transparent statement: receipt, issuer via x5chain anchor, subject, registration facts', async () => {
    const r = await verifyClaim({ source: 't', statement: ts, receipt, receiptMustMatch: true, subjectDigest: DIGEST }, ctx);
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    assert.equal(r.issuer.verified, true);
    assert.match(r.issuer.how!, /trust anchor vendor\.crt/);
    assert.equal(r.contentType, 'application/spdx+json');
    assert.deepEqual(r.receipts.map((x) => [x.ledger, x.trustedAs, x.logId, x.index, x.treeSize]), [['https://ledger.example', 'ledger-a', 'main', 0, 2]]);
    assert.equal(r.receipts[0]!.registeredAt, NOW.toISOString());
  });

  it('a statement plus a separate receipt is the same claim', async () => {
    const r = await verifyClaim({ source: 's', statement, receipt }, ctx);
    assert.equal(r.ok, true, r.problems.join('; '));
  });

  it('fails with a reason: untrusted ledger key, another collection, no receipt, mismatching receipt layer', async () => {
    const other = await nodeCryptoBackend.generateKey(Alg.ES256);
    const cases: [string, Parameters<typeof verifyClaim>[0], RegExp][] = [
      ['unknown ledger', { source: 'x', statement: toTransparentStatement(statement, [await receiptFor(statement, other)]) }, /no service key has kid/],
      ['wrong subject', { source: 'x', statement: ts, subjectDigest: 'sha256:' + 'cd'.repeat(32) }, /not about collection sha256:cdcd/],
      ['no receipt', { source: 'x', statement }, /carries no receipt/],
      ['receipt layer differs', { source: 'x', statement: ts, receipt: await receiptFor(statement, service), receiptMustMatch: true }, /receipt layer is not the receipt/],
      ['unreadable', { source: 'x', error: 'digest mismatch' }, /digest mismatch/],
    ];
    for (const [name, input, want] of cases) {
      const r = await verifyClaim(input, ctx);
      assert.equal(r.ok, false, name);
      assert.match(r.problems.join('\n'), want, name);
    }
  });

  it('issuer trust: pinned key bound to the issuer, bound to another issuer, expired certificate, none', async () => {
    const pinned = new IssuerTrust();
    pinned.keys.push({ key: publicKey(vendor.key), kid: Buffer.from(vendor.kid).toString('hex'), iss: 'https://vendor.example', source: 'vendor.pub' });
    assert.equal((await verifyClaim({ source: 'x', statement: ts }, { ...ctx, issuers: pinned })).issuer.verified, true);
    const wrongIss = new IssuerTrust();
    wrongIss.keys.push({ ...pinned.keys[0]!, iss: 'https://someone-else.example' });
    const r2 = await verifyClaim({ source: 'x', statement: ts }, { ...ctx, issuers: wrongIss });
    assert.equal(r2.issuer.verified, false);
    assert.equal(r2.ok, true, 'an unverified issuer is not a verification problem, the policy decides');
    const late = await receiptFor(statement, service, Math.floor(new Date('2030-01-01T00:00:00Z').getTime() / 1000));
    const r3 = await verifyClaim({ source: 'x', statement: toTransparentStatement(statement, [late]) }, ctx);
    assert.match(r3.issuer.reason!, /not valid at 2030-01-01/);
    const r4 = await verifyClaim({ source: 'x', statement: ts }, { ...ctx, issuers: new IssuerTrust() });
    assert.match(r4.issuer.reason!, /no issuer keys or trust anchors/);
  });

  it('a kid-identified statement verifies under a pinned key; a forged issuer signature is a problem', async () => {
    const signed = await buildStatement({ key: vendor, issuer: 'https://vendor.example', subject: SUBJECT, payload: new TextEncoder().encode('x'), contentType: 'text/plain' });
    const t = new IssuerTrust();
    t.keys.push({ key: publicKey(vendor.key), kid: Buffer.from(vendor.kid).toString('hex'), source: 'vendor.pub' });
    const good = await verifyClaim({ source: 'x', statement: signed, receipt: await receiptFor(signed, service) }, { ...ctx, issuers: t });
    assert.equal(good.issuer.verified, true);
    const forged = Uint8Array.from(signed);
    forged[forged.length - 1]! ^= 1; // last signature byte: the entry changes too, so give it its own receipt
    const bad = await verifyClaim({ source: 'x', statement: forged, receipt: await receiptFor(forged, service) }, { ...ctx, issuers: t });
    assert.equal(bad.ok, false);
    assert.match(bad.problems.join('\n'), /issuer signature/);
  });

  it('every single-byte change of the transparent statement or of the receipt layer fails verification', async () => {
    let checked = 0;
    for (const [which, bytes] of [['statement', ts], ['receipt', receipt]] as const) {
      for (let i = 0; i < bytes.length; i++) {
        const t = Uint8Array.from(bytes);
        t[i]! ^= 0x01 << i % 8;
        const input = which === 'statement' ? { source: 'x', statement: t, receipt, receiptMustMatch: true, subjectDigest: DIGEST } : { source: 'x', statement: ts, receipt: t, receiptMustMatch: true, subjectDigest: DIGEST };
        const r = await verifyClaim(input, ctx);
        const fails = !r.ok || !r.issuer.verified;
        assert.ok(fails, `${which} byte ${i} flipped still verifies`);
        checked++;
      }
    }
    assert.equal(checked, ts.length + receipt.length);
  });

  it('revocations mark the revoked claim; the policy then does not count it', async () => {
    const first = await verifyClaim({ source: 'a', statement: ts }, ctx);
    const rev = await buildRevocation({ key: vendor, issuer: 'https://vendor.example', subject: SUBJECT, x5chain: [vendor.cert], revokes: [first.entryId!], reason: 'wrong SBOM' });
    const revReport = await verifyClaim({ source: 'r', statement: rev, receipt: await receiptFor(rev, service) }, ctx);
    assert.equal(revReport.kind, 'revocation');
    assert.deepEqual(revReport.revokes, [first.entryId]);
    const reports = [first, revReport];
    applyRevocations(reports);
    assert.equal(first.revokedBy?.[0]?.reason, 'wrong SBOM');
    const [res] = evaluateRequirements([parseRequirement('content-type=application/spdx+json')], reports, ctx.ledgers);
    assert.equal(res!.met, false);
    assert.match(res!.reason!, /revoked by entry/);
  });

  it('a revocation of a claim also revokes its twin (the same statement with a re-encoded ES256 signature)', async () => {
    const first = await verifyClaim({ source: 'a', statement: ts }, ctx);
    const parts = decodeSign1(toEntry(statement).entry);
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const sHex = (n - BigInt('0x' + Buffer.from(parts.signature.slice(32)).toString('hex'))).toString(16).padStart(64, '0');
    const twinStatement = encodeSign1({ protectedBytes: parts.protectedBytes, unprotectedHeader: new Map(), payload: parts.payload, signature: new Uint8Array([...parts.signature.slice(0, 32), ...Buffer.from(sHex, 'hex')]) });
    const twin = await verifyClaim({ source: 'twin', statement: twinStatement, receipt: await receiptFor(twinStatement, service) }, ctx);
    assert.equal(twin.ok, true, twin.problems.join('; '));
    assert.notEqual(twin.entryId, first.entryId);
    assert.equal(twin.statementId, first.statementId);
    const rev = await buildRevocation({ key: vendor, issuer: 'https://vendor.example', subject: SUBJECT, x5chain: [vendor.cert], revokes: [first.entryId!], reason: 'wrong SBOM' });
    const revReport = await verifyClaim({ source: 'r', statement: rev, receipt: await receiptFor(rev, service) }, ctx);
    applyRevocations([first, twin, revReport]);
    assert.equal(twin.revokedBy?.[0]?.reason, 'wrong SBOM', 'the twin is revoked with the claim it copies');
    const [res] = evaluateRequirements([parseRequirement('content-type=application/spdx+json')], [first, twin, revReport], ctx.ledgers);
    assert.equal(res!.met, false);
  });
});

describe('verifyClaim reads headers as the ledger does (libs/cose payloadContentType, x5chainOf)', () => {
  it('a hash envelope that also carries content type (3), or an x5chain of 9 certificates, is not read at all', async () => {
    const vendor = await issuerKey();
    const service = await nodeCryptoBackend.generateKey(Alg.ES256);
    const ctx: VerifyContext = { ledgers: new TrustStore([{ name: 'ledger-a', url: 'https://ledger.example', keys: [publicKey(service)] }]), issuers: new IssuerTrust(), now: () => NOW };
    const claims = new Map<number, unknown>([[CwtClaim.iss, 'https://vendor.example'], [CwtClaim.sub, SUBJECT]]);
    const cases: [string, [number, unknown][], RegExp][] = [
      ['258 with 3', [[HeaderLabel.payloadHashAlg, -16], [HeaderLabel.preimageContentType, 'application/spdx+json'], [HeaderLabel.contentType, 'text/plain'], [HeaderLabel.kid, vendor.kid]], /couldn't read the statement's protected header: .*must not carry content type \(3\)/],
      ['9 certificates', [[HeaderLabel.contentType, 'application/json'], [HeaderLabel.x5chain, Array.from({ length: 9 }, () => vendor.cert)]], /couldn't read the statement's protected header: .*9 certificates, more than 8/],
    ];
    for (const [name, labels, want] of cases) {
      const statement = await signSign1({ protectedHeader: new Map<number | string, unknown>([[HeaderLabel.alg, Alg.ES256], ...labels, [HeaderLabel.cwtClaims, claims]]), payload: new Uint8Array(32), key: vendor.key });
      const r = await verifyClaim({ source: name, statement: toTransparentStatement(statement, [await receiptFor(statement, service)]) }, ctx);
      assert.equal(r.ok, false, name);
      assert.match(r.problems.join('\n'), want, name);
    }
  });
});
