/**
 * verifyChain and its parts (certificate.chain.ts): the one x5chain validation the ledger and the
 * offline verifier share. Table-driven: every code it throws, the certificate it names, and where
 * a passing chain is anchored.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createCertificate, type CertificateOptions } from './certificate.builder.js';
import { checkChainLinks, checkValidity, isValidAt, readChain, verifyChain } from './certificate.chain.js';
import { X509Error, type X509ErrorCode } from './x509.error.js';

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = { root: ec(), int: ec(), leaf: ec(), other: ec() };
const NOW = new Date('2026-06-01T12:00:00Z');
const YEAR = 365 * 24 * 3600 * 1000;
const valid = { notBefore: new Date(NOW.getTime() - YEAR), notAfter: new Date(NOW.getTime() + YEAR) };
type Opts = Partial<CertificateOptions>;
const root = (o: Opts = {}) => createCertificate({ subjectKey: keys.root.publicKey, issuerKey: keys.root.privateKey, subject: 'Root CA', ca: true, ...valid, ...o });
const int = (o: Opts = {}) => createCertificate({ subjectKey: keys.int.publicKey, issuerKey: keys.root.privateKey, subject: 'Intermediate CA', issuer: 'Root CA', ca: true, ...valid, ...o });
const leaf = (o: Opts = {}) => createCertificate({ subjectKey: keys.leaf.publicKey, issuerKey: keys.int.privateKey, subject: 'ci.example', issuer: 'Intermediate CA', ...valid, ...o });
const x509 = (der: Uint8Array) => new X509Certificate(der);

describe('verifyChain', () => {
  const rootDer = root();
  const anchors = [x509(root({ subject: 'Unrelated CA', subjectKey: keys.other.publicKey, issuerKey: keys.other.privateKey })), x509(rootDer)];

  it('anchors a chain issued by an anchor (the anchor index), or that ends in one', () => {
    assert.equal(verifyChain([leaf(), int()], anchors, NOW).anchor, 1);
    assert.equal(verifyChain([leaf(), int(), rootDer], anchors, NOW).anchor, 1);
    const r = verifyChain([leaf(), int()], anchors, NOW);
    assert.equal(r.certs.length, 2);
    assert.match(r.certs[0]!.subject, /CN=ci\.example/);
  });

  it('anchors nothing when no anchor vouches for the chain (a self-carried key)', () => {
    const selfSigned = createCertificate({ subjectKey: keys.leaf.publicKey, issuerKey: keys.leaf.privateKey, subject: 'dev.example', ...valid });
    assert.equal(verifyChain([selfSigned], anchors, NOW).anchor, undefined);
    assert.equal(verifyChain([leaf(), int()], [], NOW).anchor, undefined);
  });

  it('an anchor counts only when valid at the time asked', () => {
    const expiredAnchor = x509(root({ notBefore: new Date(NOW.getTime() - 2 * YEAR), notAfter: new Date(NOW.getTime() - YEAR) }));
    const futureAnchor = x509(root({ notBefore: new Date(NOW.getTime() + YEAR), notAfter: new Date(NOW.getTime() + 2 * YEAR) }));
    assert.equal(verifyChain([leaf(), int()], [expiredAnchor], NOW).anchor, undefined);
    assert.equal(verifyChain([leaf(), int()], [futureAnchor], NOW).anchor, undefined);
  });

  const refused: { name: string; chain: () => Uint8Array[]; code: X509ErrorCode; index: number | undefined; message: RegExp }[] = [
    { name: 'an empty chain', chain: () => [], code: 'ERR_X5CHAIN_FORMAT', index: undefined, message: /empty/ },
    { name: 'bytes that are not a certificate', chain: () => [leaf(), new TextEncoder().encode('not a certificate')], code: 'ERR_X5CHAIN_FORMAT', index: 1, message: /^certificate 1 is not a DER X\.509 certificate$/ },
    { name: 'bytes after a certificate (node:crypto would ignore them)', chain: () => [Uint8Array.from([...leaf(), 0x00])], code: 'ERR_X5CHAIN_FORMAT', index: 0, message: /certificate 0 is not a DER X\.509 certificate: 1 bytes follow it/ },
    { name: 'bytes after a valid but expired certificate (the format is checked first)', chain: () => [Uint8Array.from([...leaf({ notBefore: new Date(NOW.getTime() - 2 * YEAR), notAfter: new Date(NOW.getTime() - YEAR) }), 0x00, 0x00])], code: 'ERR_X5CHAIN_FORMAT', index: 0, message: /2 bytes follow it/ },
    { name: 'a truncated certificate', chain: () => [leaf().subarray(0, 100)], code: 'ERR_X5CHAIN_FORMAT', index: 0, message: /certificate 0 is not a DER/ },
    { name: 'an expired leaf', chain: () => [leaf({ notBefore: new Date(NOW.getTime() - 2 * YEAR), notAfter: new Date(NOW.getTime() - 1000) }), int()], code: 'ERR_X5CHAIN_EXPIRED', index: 0, message: /^certificate 0 \(CN=ci\.example\) is not valid at 2026-06-01T12:00:00\.000Z \(valid .* to .*\)$/ },
    { name: 'an intermediate not yet valid', chain: () => [leaf(), int({ notBefore: new Date(NOW.getTime() + 60_000) })], code: 'ERR_X5CHAIN_EXPIRED', index: 1, message: /certificate 1 \(CN=Intermediate CA\) is not valid at/ },
    { name: 'a leaf signed by another key than the next certificate', chain: () => [leaf({ issuerKey: keys.other.privateKey }), int()], code: 'ERR_X5CHAIN_BROKEN', index: 0, message: /^certificate 0 is not issued by certificate 1/ },
    { name: 'a leaf naming another issuer than the next certificate', chain: () => [leaf({ issuer: 'Some Other CA' }), int()], code: 'ERR_X5CHAIN_BROKEN', index: 0, message: /certificate 0 is not issued by certificate 1/ },
    { name: 'a path check (an intermediate that is not a CA)', chain: () => [leaf(), int({ ca: false })], code: 'ERR_X5CHAIN_NOT_CA', index: 1, message: /certificate 1 issues certificate 0 but is not a CA/ },
    { name: 'a path check with the anchor (pathLen 0 above an intermediate)', chain: () => [leaf(), int()], code: 'ERR_X5CHAIN_PATH_LEN', index: 2, message: /the trust anchor allows 0/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}: ${c.code}`, () => {
      const pathLenAnchor = c.code === 'ERR_X5CHAIN_PATH_LEN' ? [x509(root({ pathLen: 0 }))] : anchors;
      assert.throws(
        () => verifyChain(c.chain(), pathLenAnchor, NOW),
        (e: unknown) => {
          assert.ok(e instanceof X509Error, String(e));
          assert.equal(e.code, c.code, e.message);
          assert.equal(e.index, c.index, e.message);
          assert.match(e.message, c.message);
          return true;
        },
      );
    });
  }

  it('checks in order: validity before the path checks before the links', () => {
    // expired and not a CA and broken: expiry is reported
    const expiredBroken = [leaf({ issuerKey: keys.other.privateKey, notAfter: new Date(NOW.getTime() - 1000), notBefore: new Date(NOW.getTime() - YEAR) }), int({ ca: false })];
    assert.throws(() => verifyChain(expiredBroken, anchors, NOW), { code: 'ERR_X5CHAIN_EXPIRED' });
    // not a CA and broken: the path check is reported
    assert.throws(() => verifyChain([leaf({ issuerKey: keys.other.privateKey }), int({ ca: false })], anchors, NOW), { code: 'ERR_X5CHAIN_NOT_CA' });
  });
});

describe('the parts of verifyChain', () => {
  it('isValidAt includes both ends of the validity period (certificate times are whole seconds)', () => {
    const c = x509(leaf({ notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-12-31T23:59:59Z') }));
    for (const [at, want] of [
      ['2025-12-31T23:59:59Z', false],
      ['2026-01-01T00:00:00Z', true],
      ['2026-12-31T23:59:59Z', true],
      ['2027-01-01T00:00:00Z', false],
    ] as const) {
      assert.equal(isValidAt(c, new Date(at)), want, at);
    }
  });

  it('readChain, checkValidity and checkChainLinks can be used alone', () => {
    const certs = readChain([leaf(), int(), root()]);
    checkValidity(certs, NOW);
    checkChainLinks(certs);
    assert.throws(() => checkValidity(certs, new Date(NOW.getTime() + 2 * YEAR)), { code: 'ERR_X5CHAIN_EXPIRED' });
    assert.throws(() => checkChainLinks([certs[0]!, certs[2]!]), { code: 'ERR_X5CHAIN_BROKEN' });
  });
});
