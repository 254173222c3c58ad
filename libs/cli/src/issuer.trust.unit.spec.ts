/** Offline x5chain trust: the same chain checks as the ledger (libs/x509 verifyChain), each code in the CLI's words. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createCertificate, type CertificateOptions } from '../../x509/src/index.js';
import { IssuerTrust } from './issuer.trust.js';

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const root = ec();
const int = ec();
const leaf = ec();
const rootCert = (o: Partial<CertificateOptions> = {}) => createCertificate({ subjectKey: root.publicKey, issuerKey: root.privateKey, subject: 'Root CA', ca: true, ...o });
const intCert = (o: Partial<CertificateOptions> = {}) => createCertificate({ subjectKey: int.publicKey, issuerKey: root.privateKey, issuer: 'Root CA', subject: 'Intermediate CA', ca: true, ...o });
const leafCert = (o: Partial<CertificateOptions> = {}) => createCertificate({ subjectKey: leaf.publicKey, issuerKey: int.privateKey, issuer: 'Intermediate CA', subject: 'ci.example', ...o });

function trusting(anchor: Uint8Array): IssuerTrust {
  const t = new IssuerTrust();
  t.anchors.push({ cert: new X509Certificate(anchor), source: 'root.crt' });
  return t;
}
const resolve = (t: IssuerTrust, x5chain: Uint8Array[]) => t.resolve({ iss: 'https://ci.example', x5chain }, new Date());

describe('IssuerTrust x5chain path checks', () => {
  it('resolves leaf → intermediate (pathLen 0) → anchor', () => {
    const r = resolve(trusting(rootCert()), [leafCert(), intCert({ pathLen: 0 })]);
    assert.equal(r.key !== undefined ? r.how : r.reason, 'x5chain to trust anchor root.crt');
  });

  for (const [name, anchor, chain, code] of [
    ['a leaf without digitalSignature', rootCert(), [leafCert({ keyUsage: ['keyAgreement'] }), intCert()], 'ERR_X5CHAIN_KEY_USAGE'],
    ['an anchor whose pathLen is exceeded', rootCert({ pathLen: 0 }), [leafCert(), intCert()], 'ERR_X5CHAIN_PATH_LEN'],
    ['an unknown critical extension', rootCert(), [leafCert(), intCert({ extensions: [{ oid: '1.2.3.4', critical: true, value: Uint8Array.of(5, 0) }] })], 'ERR_X5CHAIN_CRITICAL_EXTENSION'],
    ['a CA leaf issued by the anchor', rootCert(), [createCertificate({ subjectKey: leaf.publicKey, issuerKey: root.privateKey, issuer: 'Root CA', subject: 'ci.example', ca: true })], 'ERR_X5CHAIN_LEAF_CA'],
  ] as const) {
    it(`says why it refuses ${name}`, () => {
      const r = resolve(trusting(anchor), [...chain]);
      assert.equal(r.key, undefined);
      assert.match(r.key === undefined ? r.reason : '', new RegExp(`path checks: .*\\(${code}\\)$`));
    });
  }

  const DAY = 24 * 3600 * 1000;
  const other = ec();
  for (const [name, chain, reason] of [
    ['bytes after the leaf certificate', () => [Uint8Array.from([...leafCert(), 0]), intCert()], /^the x5chain is not readable: x5chain certificate 0 is not a DER X\.509 certificate: it has 1 bytes after the certificate$/],
    ['an intermediate that is not a certificate', () => [leafCert(), Uint8Array.of(0x30, 0x03, 0x02, 0x01)], /^the x5chain is not readable: x5chain certificate 1 is not a DER X\.509 certificate: /],
    ['an expired leaf (ERR_X5CHAIN_EXPIRED)', () => [leafCert({ notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) }), intCert()], /^x5chain certificate 0 \(CN=ci\.example\) is not valid at \S+ \(valid .* to .*\)$/],
    ['a leaf the intermediate did not sign (ERR_X5CHAIN_BROKEN)', () => [leafCert({ issuerKey: other.privateKey }), intCert()], /^x5chain certificate 0 is not issued by certificate 1/],
  ] as const) {
    it(`says why it refuses ${name}`, () => {
      const r = resolve(trusting(rootCert()), [...chain()]);
      assert.match(r.key === undefined ? r.reason : 'resolved', reason);
    });
  }
});
