/**
 * The sniffing helper: what an input looks like, and certificate problems in our words (never
 * OpenSSL's "PEM routines::no start line"). Real certificates from libs/x509, real files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createCertificate } from '../../x509/src/index.js';
import { ExitCode, toCliError, CliError } from './cli.errors.js';
import { certificatesFrom, derProblem, looksLike, sniff } from './input.sniff.js';
import { certificatePem, parseKey } from './key.files.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sniff', () => {
  it('tells COSE, CBOR, DER, PEM, JSON, text, empty and other binary apart', () => {
    const table: [string, Uint8Array, string][] = [
      ['tagged COSE_Sign1', new Uint8Array([0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40]), 'cose-sign1'],
      ['untagged COSE_Sign1', new Uint8Array([0x84, 0x40, 0xa0, 0xf6, 0x40]), 'cose-sign1'],
      ['a CBOR map', new Uint8Array([0xa1, 0x01, 0x02]), 'cbor'],
      ['DER', new Uint8Array([0x30, 0x82, 0x01, 0x00]), 'der'],
      ['PEM', enc('-----BEGIN CERTIFICATE-----\nMII=\n'), 'pem'],
      ['JSON (SPDX)', enc('  {"spdxVersion":"SPDX-2.3"}'), 'json'],
      ['JSON with a BOM', enc('\uFEFF{"a":1}'), 'json'],
      ['text', enc('hello\n'), 'text'],
      ['empty', new Uint8Array(), 'empty'],
      ['whitespace', enc(' \n\t'), 'empty'],
      ['binary', new Uint8Array([0x00, 0x01, 0xff, 0xfe]), 'binary'],
      ['gzip', new Uint8Array([0x1f, 0x8b, 0x08, 0x00]), 'binary'],
    ];
    for (const [name, bytes, kind] of table) assert.equal(sniff(bytes), kind, name);
    assert.equal(looksLike(enc('{"spdxVersion":"SPDX-2.3"}')), 'looks like JSON');
    assert.equal(looksLike(enc('-----BEGIN PRIVATE KEY-----\n')), 'looks like PEM (PRIVATE KEY)');
  });
});

describe('certificates in our words', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = createCertificate({ subjectKey: publicKey, issuerKey: privateKey, subject: 'ci.vendor.example' });
  const pem = certificatePem(der);

  it('reads a good PEM and DER', () => {
    assert.deepEqual(certificatesFrom(enc(pem + pem), 'c.pem').length, 2);
    assert.deepEqual(certificatesFrom(der, 'c.der')[0], der);
  });

  it('says what is wrong with a mangled file, never in OpenSSL\'s words', () => {
    const body = pem.split('\n').slice(1, -2).join('\n');
    const cases: [string, Uint8Array, RegExp][] = [
      ['no BEGIN line', enc(body + '\n-----END CERTIFICATE-----\n'), /no PEM block \(-----BEGIN CERTIFICATE-----\)/],
      ['no END line', enc(pem.replace('-----END CERTIFICATE-----', '')), /no matching END line/],
      ['a key, not a certificate', enc('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), /holds a PEM PRIVATE KEY, not a CERTIFICATE/],
      ['body not base64', enc(pem.replace(/\n(.{10})/, '\n!!$1')), /certificate 1 is damaged: its body is not base64/],
      ['body truncated', enc(pem.replace(/\n[^\n]+\n-----END/, '\n-----END')), /certificate 1 of c\.pem: not a DER X\.509 certificate: it is truncated/],
      ['JSON', enc('{"kty":"EC"}'), /not a PEM or DER certificate file \(looks like JSON\)/],
      ['empty', new Uint8Array(), /\(the file is empty\)/],
      ['DER with trailing bytes', new Uint8Array([...der, 0, 0]), /2 bytes after the certificate/],
    ];
    for (const [name, bytes, want] of cases) {
      assert.throws(
        () => certificatesFrom(bytes, 'c.pem'),
        (e: unknown) => {
          assert.ok(e instanceof CliError, name);
          assert.equal(e.exitCode, ExitCode.Usage, name);
          assert.match(e.message, want, name);
          assert.doesNotMatch(e.message, /routines|error:[0-9A-F]{8}/, name);
          return true;
        },
      );
    }
  });

  it('derProblem names the ASN.1 problem', () => {
    assert.match(derProblem(new Uint8Array()), /empty/);
    assert.match(derProblem(enc('hello')), /does not start with an ASN\.1 SEQUENCE \(looks like text\)/);
    assert.match(derProblem(der.subarray(0, 50)), /truncated/);
  });

  it('a damaged key file is described, not passed through from OpenSSL', () => {
    const cases: [Uint8Array, RegExp][] = [
      [enc('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), /the PEM PRIVATE KEY is damaged/],
      [enc('-----BEGIN RSA PUBLIC KEY-----\nAAAA\n'), /holds a PEM RSA PUBLIC KEY, not a key/],
      [enc('{"kty":'), /starts like JSON but is not valid JSON/],
      [enc('hello'), /not a PEM, JWK, COSE_Key or certificate \(looks like text\)/],
    ];
    for (const [bytes, want] of cases) {
      assert.throws(() => parseKey(bytes, 'k'), (e: unknown) => e instanceof CliError && want.test(e.message) && !/routines/.test(e.message));
    }
  });
});

describe('exit codes (docs/cli.md)', () => {
  it('maps every error kind to its documented code', () => {
    assert.deepEqual(
      [new CliError('ERR_CLI_VERIFY', 'x'), new CliError('ERR_CLI_INPUT', 'x'), new CliError('ERR_CLI_USAGE', 'x'), new CliError('ERR_CLI_SERVICE', 'x'), new Error('a bug')].map((e) => toCliError(e).exitCode),
      [1, 2, 2, 3, 4],
    );
    assert.equal(toCliError(Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open', path: 'x' })).exitCode, 2, 'an unreadable file');
  });
});
