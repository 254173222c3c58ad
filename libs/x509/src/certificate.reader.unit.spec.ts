import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createCertificate } from './certificate.builder.js';
import { ExtensionOid, decodeBasicConstraints, decodeExtKeyUsage, decodeKeyUsage, readCertificate } from './certificate.reader.js';
import { X509Error } from './x509.error.js';

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const b = (...x: number[]) => Uint8Array.from(x);
const malformed = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof X509Error && e.code === 'ERR_X509_MALFORMED' && re.test(e.message));

// Made with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256` (the same vector as
// libs/cose/src/cose-key.unit.spec.ts): subjectKeyIdentifier, authorityKeyIdentifier, and a
// critical basicConstraints CA:TRUE, as OpenSSL's default v3_ca section writes them.
const OPENSSL_CERT = fromHex(
  '3082017f30820125a00302010202145192d5955882e14c7be12a4e742a01eb625ead6b300a06082a8648ce3d04030230143112301006035504030c09636f73652d746573743020170d3236313132323034333432315a180f32313236313032393034333432315a30143112301006035504030c09636f73652d746573743059301306072a8648ce3d020106082a8648ce3d0301070342000461154df771dc50f956249ffea20c306a9a456ce65c440cd224cc53791bfec8f45d6226644dbda58e81ae8e5f4b6395888fa372e7b4bf029b49ad3838f7bd3fcba3533051301d0603551d0e041604147cb6812cc3eab3e88ad5d7e0b857de5bf6298817301f0603551d230418301680147cb6812cc3eab3e88ad5d7e0b857de5bf6298817300f0603551d130101ff040530030101ff300a06082a8648ce3d040302034800304502204823e0c6b42ddf6e9eedf6b4623426834d4d846f51e22ba049790caf67b0e953022100e252c6d1c98fcc928e62977dbc532e56576e39750970095d7efd8be2a2a4b343',
);

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const build = (o: Partial<Parameters<typeof createCertificate>[0]> = {}) => createCertificate({ subjectKey: key.publicKey, issuerKey: key.privateKey, subject: 'x.example', ...o });

describe('readCertificate', () => {
  it('reads an OpenSSL certificate: version, names, extensions with critical flags', () => {
    const c = readCertificate(OPENSSL_CERT);
    assert.equal(c.version, 3);
    assert.deepEqual(c.issuer, c.subject);
    assert.deepEqual(
      c.extensions.map((e) => [e.oid, e.critical]),
      [
        ['2.5.29.14', false],
        ['2.5.29.35', false],
        ['2.5.29.19', true],
      ],
    );
    assert.deepEqual(decodeBasicConstraints(c.extensions[2]!.value), { ca: true });
  });

  it('reads what the builder writes: keyUsage, basicConstraints with pathLen, extKeyUsage, an extra critical extension', () => {
    const der = build({ ca: true, pathLen: 3, keyUsage: ['keyCertSign', 'cRLSign', 'decipherOnly'], extKeyUsage: ['1.3.6.1.5.5.7.3.3'], extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: b(0x05, 0x00) }] });
    const c = readCertificate(der);
    const ext = (oid: string) => c.extensions.find((e) => e.oid === oid)!;
    assert.deepEqual([...decodeKeyUsage(ext(ExtensionOid.keyUsage).value)].sort(), ['cRLSign', 'decipherOnly', 'keyCertSign']);
    assert.equal(ext(ExtensionOid.keyUsage).critical, true);
    assert.deepEqual(decodeBasicConstraints(ext(ExtensionOid.basicConstraints).value), { ca: true, pathLen: 3 });
    assert.deepEqual(decodeExtKeyUsage(ext(ExtensionOid.extKeyUsage).value), ['1.3.6.1.5.5.7.3.3']);
    assert.equal(ext(ExtensionOid.extKeyUsage).critical, false);
    assert.deepEqual(ext('1.3.6.1.4.1.99999.1'), { oid: '1.3.6.1.4.1.99999.1', critical: true, value: b(0x05, 0x00) });
    const issued = readCertificate(build({ issuer: 'Other CA' }));
    assert.notDeepEqual(issued.issuer, issued.subject);
  });

  it('refuses a certificate with the same extension twice', () => {
    malformed(() => readCertificate(build({ extensions: [{ oid: ExtensionOid.keyUsage, value: b(0x03, 0x02, 0x07, 0x80) }] })), /2\.5\.29\.15 appears twice/);
  });

  it('refuses trailing garbage', () => {
    malformed(() => readCertificate(Uint8Array.from([...OPENSSL_CERT, 0x00])), /unexpected byte/);
  });

  it('every truncation is a coded error, never a crash', () => {
    for (let n = 0; n < OPENSSL_CERT.length; n++) malformed(() => readCertificate(OPENSSL_CERT.subarray(0, n)), /./);
  });

  it('every single-byte corruption is read or refused with a coded error', () => {
    for (let i = 0; i < OPENSSL_CERT.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = OPENSSL_CERT.slice();
        bad[i]! ^= mask;
        try {
          readCertificate(bad);
        } catch (e) {
          assert.ok(e instanceof X509Error && e.code === 'ERR_X509_MALFORMED', `byte ${i} ^ ${mask}: ${String(e)}`);
        }
      }
    }
  });
});

describe('extension decoders', () => {
  it('keyUsage: named bits, bit 0 first, two bytes for decipherOnly', () => {
    assert.deepEqual([...decodeKeyUsage(b(0x03, 0x02, 0x07, 0x80))], ['digitalSignature']);
    assert.deepEqual([...decodeKeyUsage(b(0x03, 0x02, 0x02, 0x84))], ['digitalSignature', 'keyCertSign']);
    assert.deepEqual([...decodeKeyUsage(b(0x03, 0x03, 0x07, 0x00, 0x80))], ['decipherOnly']);
    malformed(() => decodeKeyUsage(b(0x03, 0x01, 0x00)), /no usage bit/);
    malformed(() => decodeKeyUsage(b(0x04, 0x02, 0x07, 0x80)), /expected tag 0x03/);
  });

  it('basicConstraints: default cA false, pathLen only with cA, nothing after', () => {
    assert.deepEqual(decodeBasicConstraints(b(0x30, 0x00)), { ca: false });
    assert.deepEqual(decodeBasicConstraints(b(0x30, 0x03, 0x01, 0x01, 0x00)), { ca: false });
    assert.deepEqual(decodeBasicConstraints(b(0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00)), { ca: true, pathLen: 0 });
    malformed(() => decodeBasicConstraints(b(0x30, 0x03, 0x02, 0x01, 0x01)), /pathLenConstraint without cA/);
    malformed(() => decodeBasicConstraints(b(0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff)), /negative/);
    malformed(() => decodeBasicConstraints(b(0x30, 0x05, 0x01, 0x01, 0xff, 0x05, 0x00)), /unexpected byte/);
    malformed(() => decodeBasicConstraints(b(0x30, 0x00, 0x00)), /unexpected byte/);
  });

  it('extKeyUsage: a non-empty list of OIDs', () => {
    assert.deepEqual(decodeExtKeyUsage(b(0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03)), ['1.3.6.1.5.5.7.3.3']);
    malformed(() => decodeExtKeyUsage(b(0x30, 0x00)), /no purpose/);
    malformed(() => decodeExtKeyUsage(b(0x30, 0x02, 0x04, 0x00)), /expected tag 0x06/);
  });
});
