/** The statement header readers the ledger and the CLI share (statement.headers.ts): every outcome and code. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoseError, HeaderLabel, MAX_X5CHAIN_LENGTH, isHashEnvelope, payloadContentType, x5chainOf, type CoseErrorCodeValue, type HeaderMap } from './index.js';

const h = (...entries: [number, unknown][]): HeaderMap => new Map<number | string, unknown>(entries);
const { contentType: CT, payloadHashAlg: HASH_ALG, preimageContentType: PREIMAGE_CT, x5chain: X5CHAIN } = HeaderLabel;
const cert = (n: number) => Uint8Array.of(0x30, n);

const throwsCode = (f: () => unknown, code: CoseErrorCodeValue, message: RegExp) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CoseError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });

describe('payloadContentType', () => {
  const reads: [string, HeaderMap, string | undefined, boolean][] = [
    ['content type as text', h([CT, 'application/spdx+json']), 'application/spdx+json', false],
    ['content type as a CoAP content format (uint)', h([CT, 50]), '50', false],
    ['no content type', h(), undefined, false],
    ['a hash envelope: the preimage content type', h([HASH_ALG, -16], [PREIMAGE_CT, 'application/sarif+json']), 'application/sarif+json', true],
    ['a hash envelope with a uint preimage content type', h([HASH_ALG, -16], [PREIMAGE_CT, 0]), '0', true],
    ['a hash envelope without a preimage content type', h([HASH_ALG, -16]), undefined, true],
    ['259 without 258 is not read (not a hash envelope)', h([PREIMAGE_CT, 'text/plain']), undefined, false],
  ];
  for (const [name, header, want, envelope] of reads) {
    it(`reads ${name}`, () => {
      assert.equal(payloadContentType(header), want);
      assert.equal(isHashEnvelope(header), envelope);
    });
  }

  const refused: [string, HeaderMap, CoseErrorCodeValue, RegExp][] = [
    ['a hash envelope that also carries content type (3)', h([HASH_ALG, -16], [CT, 'application/json'], [PREIMAGE_CT, 'text/plain']), 'ERR_COSE_HASH_ENVELOPE', /hash envelope \(258\) must not carry content type \(3\)/],
    ['a negative content type', h([CT, -1]), 'ERR_COSE_CONTENT_TYPE_FORMAT', /content type \(3\) must be a text string or an unsigned integer/],
    ['a fractional content type', h([CT, 1.5]), 'ERR_COSE_CONTENT_TYPE_FORMAT', /content type \(3\)/],
    ['a bstr content type', h([CT, new Uint8Array(1)]), 'ERR_COSE_CONTENT_TYPE_FORMAT', /content type \(3\)/],
    ['a bigint content type beyond 2^53', h([CT, 2n ** 64n - 1n]), 'ERR_COSE_CONTENT_TYPE_FORMAT', /content type \(3\)/],
    ['a preimage content type that is a map', h([HASH_ALG, -16], [PREIMAGE_CT, new Map()]), 'ERR_COSE_CONTENT_TYPE_FORMAT', /preimage content type \(259\)/],
  ];
  for (const [name, header, code, message] of refused) {
    it(`refuses ${name}: ${code}`, () => throwsCode(() => payloadContentType(header), code, message));
  }
});

describe('x5chainOf', () => {
  it('reads no x5chain as undefined, one certificate (bstr) as a list of one, an array as it is', () => {
    assert.equal(x5chainOf(h()), undefined);
    assert.deepEqual(x5chainOf(h([X5CHAIN, cert(1)])), [cert(1)]);
    assert.deepEqual(x5chainOf(h([X5CHAIN, [cert(1), cert(2)]])), [cert(1), cert(2)]);
  });

  it(`accepts ${MAX_X5CHAIN_LENGTH} certificates, or as many as the caller allows`, () => {
    const most = Array.from({ length: MAX_X5CHAIN_LENGTH }, (_, i) => cert(i));
    assert.equal(x5chainOf(h([X5CHAIN, most]))!.length, MAX_X5CHAIN_LENGTH);
    assert.equal(x5chainOf(h([X5CHAIN, [...most, cert(9)]]), 9)!.length, 9);
  });

  it('returns a copy: changing it leaves the header alone', () => {
    const chain = [cert(1)];
    x5chainOf(h([X5CHAIN, chain]))!.push(cert(2));
    assert.equal(chain.length, 1);
  });

  const refused: [string, unknown, RegExp][] = [
    ['an empty array', [], /a certificate \(bstr\) or a non-empty array/],
    ['a number', 7, /a certificate \(bstr\) or a non-empty array/],
    ['text', 'MIIB…', /a certificate \(bstr\) or a non-empty array/],
    ['an array with a non-bstr', [cert(1), 'cert'], /a certificate \(bstr\) or a non-empty array/],
    [`${MAX_X5CHAIN_LENGTH + 1} certificates (one too many)`, Array.from({ length: MAX_X5CHAIN_LENGTH + 1 }, (_, i) => cert(i)), new RegExp(`has ${MAX_X5CHAIN_LENGTH + 1} certificates, more than ${MAX_X5CHAIN_LENGTH}`)],
  ];
  for (const [name, value, message] of refused) {
    it(`refuses ${name}: ERR_COSE_X5CHAIN_FORMAT`, () => throwsCode(() => x5chainOf(h([X5CHAIN, value])), 'ERR_COSE_X5CHAIN_FORMAT', message));
  }
});
