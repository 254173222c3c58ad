import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createCertificate } from './certificate.builder.js';

describe('createCertificate', () => {
  for (const [type, opts] of [
    ['ec', { namedCurve: 'P-256' }],
    ['ec', { namedCurve: 'P-384' }],
    ['ed25519', {}],
  ] as const) {
    it(`builds a self-signed certificate OpenSSL accepts (${type} ${'namedCurve' in opts ? opts.namedCurve : ''})`, () => {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', opts as { namedCurve: string });
      const der = createCertificate({ subjectKey: publicKey, issuerKey: privateKey, subject: 'ci.vendor.example' });
      const cert = new X509Certificate(der);
      assert.match(cert.subject, /CN=ci.vendor.example/);
      assert.ok(cert.verify(publicKey), 'self-signature verifies');
      // no checkIssued(cert): OpenSSL requires keyCertSign on an issuer, which a leaf does not have
      assert.equal(cert.ca, false);
    });
  }
  it('builds a chain: CA → leaf', () => {
    const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const caCert = new X509Certificate(createCertificate({ subjectKey: ca.publicKey, issuerKey: ca.privateKey, subject: 'Root CA', ca: true }));
    const leafCert = new X509Certificate(createCertificate({ subjectKey: leaf.publicKey, issuerKey: ca.privateKey, issuer: 'Root CA', subject: 'ci.example' }));
    assert.equal(caCert.ca, true);
    assert.ok(leafCert.checkIssued(caCert));
    assert.ok(leafCert.verify(ca.publicKey));
    assert.ok(!leafCert.verify(leaf.publicKey));
  });
  it('honours the validity window', () => {
    const k = generateKeyPairSync('ed25519');
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2060-01-01T00:00:00Z');
    const cert = new X509Certificate(createCertificate({ subjectKey: k.publicKey, issuerKey: k.privateKey, subject: 'x', notBefore, notAfter }));
    assert.equal(new Date(cert.validFrom).toISOString(), notBefore.toISOString());
    assert.equal(new Date(cert.validTo).toISOString(), notAfter.toISOString());
  });
});
