import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DerReader, DerTag, decodeBitString, decodeBoolean, decodeOid, decodeUnsigned, readOne } from './der.reader.js';
import { X509Error } from './x509.error.js';

const b = (...x: number[]) => Uint8Array.from(x);
const malformed = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof X509Error && e.code === 'ERR_X509_MALFORMED' && re.test(e.message));

describe('DER reader', () => {
  it('reads nested elements with absolute offsets', () => {
    const outer = readOne(b(0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa), 'outer', DerTag.sequence);
    const r = DerReader.of(outer);
    const int = r.read('int', DerTag.integer);
    assert.equal(int.offset, 2);
    assert.equal(decodeUnsigned(int, 'int'), 5);
    assert.deepEqual([...r.read('oct', DerTag.octetString).content], [0xaa]);
    r.end('outer');
  });

  it('accepts the minimal long-form length', () => {
    const content = new Uint8Array(200);
    const e = readOne(Uint8Array.from([0x04, 0x81, 200, ...content]), 'x', DerTag.octetString);
    assert.equal(e.content.length, 200);
  });

  const O = DerTag.octetString;
  const bad: Array<[string, Uint8Array, number, RegExp]> = [
    ['empty input', b(), O, /missing/],
    ['tag only', b(0x04), O, /no length/],
    ['indefinite length', b(0x30, 0x80, 0x00, 0x00), DerTag.sequence, /indefinite/],
    ['long form for a short length', b(0x04, 0x81, 0x01, 0x00), O, /long form/],
    ['length with a leading zero', b(0x04, 0x82, 0x00, 0x81, ...new Array(0x81).fill(0)), O, /leading zero/],
    ['length beyond the input (+1)', b(0x04, 0x02, 0x00), O, /declares 2 content bytes, 1 remain/],
    ['truncated long length', b(0x04, 0x82, 0x01), O, /truncated length/],
    ['five-byte length', b(0x04, 0x85, 1, 0, 0, 0, 0), O, /5-byte length/],
    ['trailing garbage', b(0x04, 0x00, 0x00), O, /unexpected byte/],
    ['wrong tag', b(0x31, 0x00), O, /expected tag 0x04, found 0x31/],
    ['high tag number', b(0x1f, 0x81, 0x00), O, /high tag/],
  ];
  for (const [name, bytes, tag, re] of bad) it(`refuses ${name}`, () => malformed(() => readOne(bytes, 'x', tag), re));

  it('decodes BOOLEAN strictly', () => {
    assert.equal(decodeBoolean(readOne(b(0x01, 0x01, 0xff), 'b', 1), 'b'), true);
    assert.equal(decodeBoolean(readOne(b(0x01, 0x01, 0x00), 'b', 1), 'b'), false);
    malformed(() => decodeBoolean(readOne(b(0x01, 0x01, 0x01), 'b', 1), 'b'), /BOOLEAN/);
    malformed(() => decodeBoolean(readOne(b(0x01, 0x02, 0xff, 0xff), 'b', 1), 'b'), /BOOLEAN/);
  });

  it('decodes unsigned INTEGERs strictly', () => {
    const int = (...c: number[]) => readOne(b(0x02, c.length, ...c), 'i', 2);
    assert.equal(decodeUnsigned(int(0x00), 'i'), 0);
    assert.equal(decodeUnsigned(int(0x00, 0x80), 'i'), 128);
    malformed(() => decodeUnsigned(int(), 'i'), /empty/);
    malformed(() => decodeUnsigned(int(0x00, 0x05), 'i'), /non-minimal/);
    malformed(() => decodeUnsigned(int(0x80), 'i'), /negative/);
    malformed(() => decodeUnsigned(int(1, 0, 0, 0, 0, 0, 0, 0), 'i'), /too large/);
  });

  it('decodes OIDs (X.690 §8.19)', () => {
    assert.equal(decodeOid(readOne(b(0x06, 0x03, 0x55, 0x1d, 0x0f), 'o', 6), 'o'), '2.5.29.15');
    assert.equal(decodeOid(readOne(b(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), 'o', 6), 'o'), '1.2.840.10045.4.3.2');
    assert.equal(decodeOid(readOne(b(0x06, 0x02, 0x88, 0x37), 'o', 6), 'o'), '2.999');
    malformed(() => decodeOid(readOne(b(0x06, 0x00), 'o', 6), 'o'), /empty/);
    malformed(() => decodeOid(readOne(b(0x06, 0x02, 0x55, 0x81), 'o', 6), 'o'), /ends inside/);
    malformed(() => decodeOid(readOne(b(0x06, 0x03, 0x55, 0x80, 0x01), 'o', 6), 'o'), /non-minimal/);
  });

  it('decodes BIT STRINGs strictly', () => {
    assert.deepEqual(decodeBitString(readOne(b(0x03, 0x02, 0x07, 0x80), 'k', 3), 'k'), { bytes: b(0x80), unused: 7 });
    malformed(() => decodeBitString(readOne(b(0x03, 0x00), 'k', 3), 'k'), /empty/);
    malformed(() => decodeBitString(readOne(b(0x03, 0x02, 0x08, 0x00), 'k', 3), 'k'), /8 unused/);
    malformed(() => decodeBitString(readOne(b(0x03, 0x01, 0x01), 'k', 3), 'k'), /1 unused/);
    malformed(() => decodeBitString(readOne(b(0x03, 0x02, 0x07, 0x81), 'k', 3), 'k'), /not zero/);
  });
});
