/**
 * StatementChecker and IssuerKeys: each refusal is a typed StatementRejection (kind + stable code),
 * never an HTTP error; the HTTP mapping is registration.problems.ts's. Real keys, real signatures,
 * real certificates (libs/x509 builder), a production policy with a registered issuer and a trust
 * anchor. Header cases alter a decoded statement's protected header: the checker reads the map.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { CwtClaim, HeaderLabel, decodeSign1, type CoseSign1 } from '../../libs/cose/src/index.js';
import type { RegistrationPolicy } from '../../libs/ledger/src/index.js';
import { createCertificate } from '../../libs/x509/src/index.js';
import { toEntry } from '../../libs/receipt/src/index.js';
import { makeIssuer, signStatement, subjectOf, type StatementOptions, type TestIssuer } from '../../test/support/statements.js';
import { IssuerKeys } from './issuer-keys.js';
import { StatementChecker } from './statement-checker.js';
import { StatementRejection, type RejectionKind } from './statement-rejection.js';

const NOW = new Date();
const DAY = 24 * 3600 * 1000;
const anchorKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const anchorDer = createCertificate({ subjectKey: anchorKey.publicKey, issuerKey: anchorKey.privateKey, subject: 'Partner Root', ca: true });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const VENDOR = 'https://ci.vendor.example';

let vendor: TestIssuer;
let partner: TestIssuer; // anchored by a certificate for ci.partner.example
let checker: StatementChecker;

/** A leaf certificate for `partner`'s key, issued by the anchor (or by `issuerKey`). */
const partnerLeaf = (o: { notAfter?: Date; issuerKey?: typeof otherKey.privateKey } = {}) =>
  createCertificate({ subjectKey: createPublicKey(partner.keyObject), issuerKey: o.issuerKey ?? anchorKey.privateKey, subject: 'ci.partner.example', issuer: 'Partner Root', ...(o.notAfter ? { notBefore: new Date(o.notAfter.getTime() - 30 * DAY), notAfter: o.notAfter } : {}) });

interface Case {
  readonly name: string;
  readonly statement: () => Promise<Uint8Array>;
  /** alters the decoded statement (the header checks read the map) */
  readonly alter?: (s: CoseSign1) => CoseSign1;
  readonly size?: number;
  readonly kind: RejectionKind;
  readonly code: string;
  readonly detail?: RegExp;
}

const withHeader = (...entries: [number, unknown][]) => (s: CoseSign1): CoseSign1 => {
  const h = new Map(s.protectedHeader);
  for (const [k, v] of entries) if (v === undefined) h.delete(k); else h.set(k, v);
  return { ...s, protectedHeader: h };
};
const byVendor = (o: Partial<StatementOptions> = {}) => () => signStatement(vendor, { sub: subjectOf(1), ...o });
/** `o` is a function when it needs the issuers (made in `before`). */
const byPartner = (o: Partial<StatementOptions> | (() => Partial<StatementOptions>) = {}) => () => signStatement(partner, { sub: subjectOf(2), x5chain: partnerLeaf(), ...(typeof o === 'function' ? o() : o) });

async function run(c: Pick<Case, 'statement' | 'alter' | 'size'>) {
  const bytes = await c.statement();
  const { entry } = toEntry(bytes);
  const decoded = decodeSign1(bytes);
  const statement = c.alter ? c.alter(decoded) : decoded;
  return checker.check(statement, entry, { entryId: 'e'.repeat(64), statementId: 's'.repeat(64) }, c.size ?? bytes.length, NOW);
}

describe('StatementChecker', () => {
  before(async () => {
    vendor = await makeIssuer(VENDOR);
    partner = await makeIssuer('https://ci.partner.example');
    const policy: RegistrationPolicy = {
      version: 1,
      mode: 'production',
      algorithms: [-7],
      maxStatementBytes: 64 * 1024,
      issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk as never }], mayRevokeFor: [] }],
      trustAnchors: [new X509Certificate(anchorDer).toString()],
      contentTypes: ['application/json'],
      requireOciSubject: true,
    };
    checker = new StatementChecker(policy, new IssuerKeys(policy), { issuerOf: () => undefined });
  });

  it('admits a registered key and a trust-anchored x5chain, naming the key', async () => {
    const a = await run({ statement: byVendor() });
    assert.equal(a.kid, Buffer.from(vendor.kid).toString('hex'));
    assert.equal(a.iss, vendor.iss);
    assert.equal(a.contentType, 'application/json');
    const b = await run({ statement: byPartner() });
    assert.match(b.kid, /^x5t:[0-9a-f]{64}$/);
  });

  const cases: Case[] = [
    // 1. headers
    { name: 'no alg', statement: byVendor(), alter: withHeader([HeaderLabel.alg, undefined]), kind: 'malformed', code: 'ERR_MISSING_ALG' },
    { name: 'an unknown alg', statement: byVendor(), alter: withHeader([HeaderLabel.alg, -999]), kind: 'unsupported-algorithm', code: 'ERR_UNKNOWN_ALG' },
    { name: 'crit naming a label not understood', statement: byVendor({ protected: [[HeaderLabel.crit, [-65538]], [-65538, 1]] }), kind: 'malformed', code: 'ERR_COSE_UNSUPPORTED_CRIT' },
    { name: 'CWT claims that are not a map', statement: byVendor(), alter: withHeader([HeaderLabel.cwtClaims, 'iss']), kind: 'malformed', code: 'ERR_CWT_CLAIMS' },
    { name: 'CWT claims without sub', statement: byVendor(), alter: withHeader([HeaderLabel.cwtClaims, new Map([[CwtClaim.iss, VENDOR]])]), kind: 'malformed', code: 'ERR_MISSING_CWT_CLAIMS' },
    { name: 'a hash envelope with content type (3)', statement: byVendor({ hashEnvelope: true, payload: new Uint8Array(32) }), alter: withHeader([HeaderLabel.contentType, 'application/json']), kind: 'malformed', code: 'ERR_HASH_ENVELOPE', detail: /must not carry content type \(3\)/ },
    { name: 'a content type that is neither text nor uint', statement: byVendor(), alter: withHeader([HeaderLabel.contentType, -3]), kind: 'malformed', code: 'ERR_CONTENT_TYPE_FORMAT' },
    { name: 'a detached payload', statement: byVendor({ detached: true }), kind: 'payload-missing', code: 'ERR_PAYLOAD_MISSING' },
    { name: 'a malformed supersedes header', statement: byVendor({ protected: [[-65537, 'not an entry id']] }), kind: 'malformed', code: 'ERR_SUPERSEDES_FORMAT' },
    // 2. issuer key
    { name: 'neither kid nor x5chain', statement: byVendor({ protected: [[HeaderLabel.kid, undefined]] }), kind: 'malformed', code: 'ERR_MISSING_KEY_ID' },
    { name: 'a kid not registered for the issuer', statement: () => signStatement(partner, { sub: subjectOf(3), iss: VENDOR }), kind: 'rejected', code: 'ERR_UNKNOWN_ISSUER_KEY' },
    { name: 'a registered issuer signing with an x5chain', statement: byPartner({ iss: VENDOR }), kind: 'rejected', code: 'ERR_ISSUER_KEY_MISMATCH' },
    { name: 'x5chain in the unprotected header only', statement: () => signStatement(partner, { sub: subjectOf(3), protected: [[HeaderLabel.kid, undefined]], unprotected: new Map([[HeaderLabel.x5chain, partnerLeaf()]]) }), kind: 'rejected', code: 'ERR_X5CHAIN_UNPROTECTED' },
    { name: 'an x5chain of nine certificates', statement: byPartner(), alter: withHeader([HeaderLabel.x5chain, Array.from({ length: 9 }, () => anchorDer)]), kind: 'malformed', code: 'ERR_X5CHAIN_FORMAT', detail: /9 certificates, more than 8/ },
    { name: 'an x5chain that is not a certificate', statement: byPartner({ x5chain: new TextEncoder().encode('not a certificate') }), kind: 'malformed', code: 'ERR_X5CHAIN_FORMAT', detail: /^x5chain \(33\): certificate 0 is not a DER X\.509 certificate/ },
    { name: 'an expired x5chain leaf', statement: byPartner(() => ({ x5chain: partnerLeaf({ notAfter: new Date(NOW.getTime() - DAY) }) })), kind: 'rejected', code: 'ERR_X5CHAIN_EXPIRED', detail: /certificate 0 \(CN=ci\.partner\.example\) is not valid at/ },
    { name: 'an x5chain whose leaf the next certificate did not sign', statement: byPartner(() => ({ x5chain: [partnerLeaf({ issuerKey: otherKey.privateKey }), anchorDer] })), kind: 'rejected', code: 'ERR_X5CHAIN_BROKEN' },
    { name: 'an x5chain path check (a CA leaf)', statement: byPartner({ x5chain: [anchorDer] }), kind: 'rejected', code: 'ERR_X5CHAIN_LEAF_CA' },
    { name: 'an x5t that is not the leaf thumbprint', statement: byPartner({ protected: [[HeaderLabel.x5t, [-16, new Uint8Array(32)]]] }), kind: 'rejected', code: 'ERR_X5T_MISMATCH' },
    { name: 'an x5t with another hash', statement: byPartner({ protected: [[HeaderLabel.x5t, [-43, new Uint8Array(48)]]] }), kind: 'rejected', code: 'ERR_X5T_ALG' },
    { name: 'iss that the anchored leaf does not certify', statement: byPartner({ iss: 'https://elsewhere.example' }), kind: 'rejected', code: 'ERR_ISSUER_NOT_CERTIFIED' },
    // 3. signature
    { name: 'a payload changed after signing', statement: byVendor(), alter: (s) => ({ ...s, payload: new TextEncoder().encode('{"claim":"tampered"}') }), kind: 'rejected', code: 'ERR_COSE_SIGNATURE_INVALID', detail: /does not verify under the issuer key/ },
    // 4. policy
    { name: 'a statement larger than the policy allows', statement: byVendor(), size: 64 * 1024 + 1, kind: 'too-large', code: 'ERR_POLICY_TOO_LARGE' },
    { name: 'a content type the policy does not allow', statement: byVendor({ contentType: 'text/plain' }), kind: 'rejected', code: 'ERR_POLICY_CONTENT_TYPE' },
    { name: 'a subject that is not an OCI digest', statement: byVendor({ sub: 'registry.example/app:latest' }), kind: 'rejected', code: 'ERR_POLICY_SUBJECT' },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}: ${c.kind} ${c.code}`, async () => {
      await assert.rejects(run(c), (e: unknown) => {
        assert.ok(e instanceof StatementRejection, `not a StatementRejection: ${String(e)}`);
        assert.equal(e.code, c.code, e.detail);
        assert.equal(e.kind, c.kind, e.detail);
        if (c.detail) assert.match(e.detail, c.detail);
        return true;
      });
    });
  }

  it('refuses an algorithm the policy does not allow as unsupported-algorithm (ES384 key, ES256-only policy)', async () => {
    const es384 = await makeIssuer('https://ci.es384.example', 'ES384');
    const policy: RegistrationPolicy = { version: 1, mode: 'production', algorithms: [-7], maxStatementBytes: 65536, issuers: [{ iss: es384.iss, keys: [{ jwk: es384.jwk as never }], mayRevokeFor: [] }], trustAnchors: [], contentTypes: [], requireOciSubject: false };
    const only256 = new StatementChecker(policy, new IssuerKeys(policy), { issuerOf: () => undefined });
    const bytes = await signStatement(es384, { sub: subjectOf(4) });
    await assert.rejects(only256.check(decodeSign1(bytes), toEntry(bytes).entry, { entryId: 'e'.repeat(64), statementId: 's'.repeat(64) }, bytes.length, NOW), { name: 'StatementRejection', kind: 'unsupported-algorithm', code: 'ERR_POLICY_ALGORITHM' });
  });
});
