import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createCertificate, type CertificateOptions } from './certificate.builder.js';
import { checkCertificatePath } from './certificate.path.js';
import { X509Error, type X509ErrorCode } from './x509.error.js';

const keys = { root: generateKeyPairSync('ec', { namedCurve: 'P-256' }), int: generateKeyPairSync('ec', { namedCurve: 'P-256' }), leaf: generateKeyPairSync('ec', { namedCurve: 'P-256' }) };
type Opts = Partial<CertificateOptions>;
const root = (o: Opts = {}) => createCertificate({ subjectKey: keys.root.publicKey, issuerKey: keys.root.privateKey, subject: 'Root CA', ca: true, ...o });
const int = (o: Opts = {}) => createCertificate({ subjectKey: keys.int.publicKey, issuerKey: keys.root.privateKey, subject: 'Intermediate CA', issuer: 'Root CA', ca: true, ...o });
const leaf = (o: Opts = {}) => createCertificate({ subjectKey: keys.leaf.publicKey, issuerKey: keys.int.privateKey, subject: 'ci.example', issuer: 'Intermediate CA', ...o });
const b = (...x: number[]) => Uint8Array.from(x);

const fails = (f: () => unknown, code: X509ErrorCode, index: number | undefined, re: RegExp) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof X509Error, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.index, index, e.message);
    assert.match(e.message, re);
    return true;
  });

describe('checkCertificatePath', () => {
  it('accepts leaf (digitalSignature) → intermediate (pathLen 0) → anchor', () => {
    const certs = checkCertificatePath([leaf(), int({ pathLen: 0 })], { anchor: root() });
    assert.equal(certs.length, 3);
    assert.deepEqual([...certs[0]!.keyUsage!], ['digitalSignature']);
    assert.deepEqual(certs[1]!.basicConstraints, { ca: true, pathLen: 0 });
  });

  it('accepts a chain that ends in its own root, a lone leaf, and a leaf without keyUsage', () => {
    checkCertificatePath([leaf(), int(), root()]);
    checkCertificatePath([leaf()]);
    checkCertificatePath([leaf({ keyUsage: null })], { anchor: root() });
  });

  it('refuses an empty chain', () => fails(() => checkCertificatePath([]), 'ERR_X5CHAIN_FORMAT', undefined, /empty/));

  describe('leaf', () => {
    it('keyUsage without digitalSignature', () => fails(() => checkCertificatePath([leaf({ keyUsage: ['keyEncipherment'] }), int()]), 'ERR_X5CHAIN_KEY_USAGE', 0, /certificate 0 \(the leaf\) has keyUsage keyEncipherment, without digitalSignature/));
    it('a CA certificate', () => fails(() => checkCertificatePath([leaf({ ca: true }), int()]), 'ERR_X5CHAIN_LEAF_CA', 0, /is a CA certificate/));
    it('a lone CA certificate is a CA leaf too, unless allowCaLeaf', () => {
      const selfSignedCa = root();
      fails(() => checkCertificatePath([selfSignedCa]), 'ERR_X5CHAIN_LEAF_CA', 0, /cA=true/);
      checkCertificatePath([selfSignedCa], { allowCaLeaf: true });
    });
  });

  describe('issuers', () => {
    it('an intermediate that is not a CA', () => fails(() => checkCertificatePath([leaf(), int({ ca: false })], { anchor: root() }), 'ERR_X5CHAIN_NOT_CA', 1, /certificate 1 issues certificate 0 but is not a CA/));
    it('an intermediate CA without keyCertSign', () => fails(() => checkCertificatePath([leaf(), int({ keyUsage: ['digitalSignature', 'cRLSign'] })]), 'ERR_X5CHAIN_KEY_USAGE', 1, /lacks keyCertSign/));
    it('an intermediate CA without keyUsage is allowed', () => {
      checkCertificatePath([leaf(), int({ keyUsage: null })], { anchor: root() });
    });
    it('an anchor that is not a CA', () => fails(() => checkCertificatePath([leaf(), int()], { anchor: root({ ca: false }) }), 'ERR_X5CHAIN_NOT_CA', 2, /the trust anchor issues certificate 1/));
    it('an anchor without keyCertSign', () => fails(() => checkCertificatePath([leaf()], { anchor: root({ keyUsage: ['cRLSign'] }) }), 'ERR_X5CHAIN_KEY_USAGE', 1, /the trust anchor/));
  });

  describe('pathLenConstraint', () => {
    const int2 = (o: Opts = {}) => createCertificate({ subjectKey: keys.int.publicKey, issuerKey: keys.int.privateKey, subject: 'Issuing CA', issuer: 'Intermediate CA', ca: true, ...o });
    const leaf2 = () => createCertificate({ subjectKey: keys.leaf.publicKey, issuerKey: keys.int.privateKey, subject: 'ci.example', issuer: 'Issuing CA' });
    it('anchor pathLen 0 with one intermediate below', () => fails(() => checkCertificatePath([leaf(), int()], { anchor: root({ pathLen: 0 }) }), 'ERR_X5CHAIN_PATH_LEN', 2, /allows 0 intermediate certificate\(s\) below it \(pathLenConstraint\), the chain has 1/));
    it('anchor pathLen 1 with one intermediate below', () => {
      checkCertificatePath([leaf(), int()], { anchor: root({ pathLen: 1 }) });
    });
    it('intermediate pathLen 0 with another intermediate below (±1)', () => {
      fails(() => checkCertificatePath([leaf2(), int2(), int({ pathLen: 0 })], { anchor: root() }), 'ERR_X5CHAIN_PATH_LEN', 2, /allows 0/);
      checkCertificatePath([leaf2(), int2(), int({ pathLen: 1 })], { anchor: root() });
      fails(() => checkCertificatePath([leaf2(), int2(), int()], { anchor: root({ pathLen: 1 }) }), 'ERR_X5CHAIN_PATH_LEN', 3, /allows 1 .* the chain has 2/);
    });
    it('self-issued intermediates (key rollover) do not count', () => {
      const rollover = createCertificate({ subjectKey: keys.int.publicKey, issuerKey: keys.int.privateKey, subject: 'Intermediate CA', issuer: 'Intermediate CA', ca: true });
      checkCertificatePath([leaf(), rollover, int()], { anchor: root({ pathLen: 1 }) });
      checkCertificatePath([leaf(), rollover, int({ pathLen: 0 })], { anchor: root() });
    });
  });

  describe('extensions', () => {
    const unknown = (critical: boolean) => ({ extensions: [{ oid: '1.3.6.1.4.1.99999.7', critical, value: b(0x05, 0x00) }] });
    it('an unknown critical extension on the leaf, naming it', () => fails(() => checkCertificatePath([leaf(unknown(true))]), 'ERR_X5CHAIN_CRITICAL_EXTENSION', 0, /certificate 0 \(the leaf\) has a critical extension 1\.3\.6\.1\.4\.1\.99999\.7/));
    it('an unknown critical extension on an intermediate or the anchor', () => {
      fails(() => checkCertificatePath([leaf(), int(unknown(true))]), 'ERR_X5CHAIN_CRITICAL_EXTENSION', 1, /certificate 1 has a critical extension/);
      fails(() => checkCertificatePath([leaf(), int()], { anchor: root(unknown(true)) }), 'ERR_X5CHAIN_CRITICAL_EXTENSION', 2, /the trust anchor has a critical extension/);
    });
    it('a critical certificatePolicies is not processed either', () =>
      fails(() => checkCertificatePath([leaf({ extensions: [{ oid: '2.5.29.32', critical: true, value: b(0x30, 0x06, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03) }] })]), 'ERR_X5CHAIN_CRITICAL_EXTENSION', 0, /2\.5\.29\.32/));
    it('unknown non-critical extensions, and critical subjectAltName and extKeyUsage, are fine', () => {
      const san = { oid: '2.5.29.17', critical: true, value: b(0x30, 0x0c, 0x82, 0x0a, ...new TextEncoder().encode('ci.example')) };
      const eku = { oid: '2.5.29.37', critical: true, value: b(0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03) };
      checkCertificatePath([leaf({ ...unknown(false) }), int(unknown(false))]);
      checkCertificatePath([leaf({ extensions: [san, eku] })]);
    });
    it('nameConstraints, critical or not, are refused as not supported', () => {
      const nc = (critical: boolean) => ({ extensions: [{ oid: '2.5.29.30', critical, value: b(0x30, 0x0e, 0xa0, 0x0c, 0x30, 0x0a, 0x82, 0x08, ...new TextEncoder().encode('.example')) }] });
      fails(() => checkCertificatePath([leaf(), int(nc(true))]), 'ERR_X5CHAIN_NAME_CONSTRAINTS', 1, /nameConstraints \(2\.5\.29\.30\), which this service does not support/);
      fails(() => checkCertificatePath([leaf()], { anchor: root(nc(false)) }), 'ERR_X5CHAIN_NAME_CONSTRAINTS', 1, /the trust anchor/);
    });
  });

  describe('malformed input', () => {
    it('a certificate that is not DER, naming its index', () => fails(() => checkCertificatePath([leaf(), b(0x30, 0x03, 0x02, 0x01)]), 'ERR_X5CHAIN_FORMAT', 1, /couldn't read certificate 1: malformed DER/));
    it('a malformed keyUsage inside a well-formed certificate', () => {
      fails(() => checkCertificatePath([leaf({ keyUsage: null, extensions: [{ oid: '2.5.29.15', critical: true, value: b(0x03, 0x01, 0x00) }] })]), 'ERR_X5CHAIN_FORMAT', 0, /no usage bit/);
    });
    it('a malformed anchor', () => fails(() => checkCertificatePath([leaf()], { anchor: root().subarray(0, 50) }), 'ERR_X5CHAIN_FORMAT', 1, /couldn't read the trust anchor/));
  });
});
