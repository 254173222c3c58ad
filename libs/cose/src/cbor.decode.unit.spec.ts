import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoseError, fromHex, Tagged } from './index.js';
import { cborCodec } from '../../../test/support/cbor-codec.js';

// The codec under test: the own one, or the bake-off's contender with CBOR_CODEC=cbor-x (docs/cose.md).
const { decodeCbor } = cborCodec;

function throwsCode(fn: () => unknown, code: string, label?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CoseError, `${label ?? ''}: expected a CoseError, got ${String(e)}`);
    assert.equal(e.code, code, `${label ?? ''}: ${e.message}`);
    return true;
  });
}

// RFC 8949 Appendix A: well-formed items and the value each decodes to.
const APPENDIX_A: [string, unknown][] = [
  ['00', 0],
  ['01', 1],
  ['0a', 10],
  ['17', 23],
  ['1818', 24],
  ['1819', 25],
  ['1864', 100],
  ['1903e8', 1000],
  ['1a000f4240', 1000000],
  ['1b000000e8d4a51000', 1000000000000],
  ['1bffffffffffffffff', 18446744073709551615n],
  ['3bffffffffffffffff', -18446744073709551616n],
  ['20', -1],
  ['29', -10],
  ['3863', -100],
  ['3903e7', -1000],
  ['f90000', 0],
  ['f98000', -0],
  ['f93c00', 1],
  ['fb3ff199999999999a', 1.1],
  ['f93e00', 1.5],
  ['f97bff', 65504],
  ['fa47c35000', 100000],
  ['fa7f7fffff', 3.4028234663852886e38],
  ['fb7e37e43c8800759c', 1e300],
  ['f90001', 5.960464477539063e-8],
  ['f90400', 0.00006103515625],
  ['f9c400', -4],
  ['fbc010666666666666', -4.1],
  ['f97c00', Infinity],
  ['f97e00', NaN],
  ['f9fc00', -Infinity],
  ['fa7fc00000', NaN],
  ['fb7ff8000000000000', NaN],
  ['f4', false],
  ['f5', true],
  ['f6', null],
  ['f7', undefined],
  ['c074323031332d30332d32315432303a30343a30305a', new Tagged(0, '2013-03-21T20:04:00Z')],
  ['c11a514b67b0', new Tagged(1, 1363896240)],
  ['d74401020304', new Tagged(23, Uint8Array.of(1, 2, 3, 4))],
  ['40', new Uint8Array(0)],
  ['4401020304', Uint8Array.of(1, 2, 3, 4)],
  ['60', ''],
  ['6161', 'a'],
  ['6449455446', 'IETF'],
  ['62225c', '"\\'],
  ['62c3bc', '\u00fc'],
  ['63e6b0b4', '\u6c34'],
  ['64f0908591', '\u{10151}'],
  ['80', []],
  ['83010203', [1, 2, 3]],
  ['8301820203820405', [1, [2, 3], [4, 5]]],
  ['98190102030405060708090a0b0c0d0e0f101112131415161718181819', Array.from({ length: 25 }, (_, i) => i + 1)],
  ['a0', {}],
  ['a201020304', new Map([[1, 2], [3, 4]])],
  ['a26161016162820203', { a: 1, b: [2, 3] }],
  ['826161a161626163', ['a', { b: 'c' }]],
  ['a56161614161626142616361436164614461656145', { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' }],
];

// Items a strict COSE decoder must refuse, with the code it must give.
const REJECTED: [string, string, string][] = [
  ['', 'ERR_CBOR_MALFORMED', 'empty input'],
  ['18', 'ERR_CBOR_MALFORMED', 'truncated head'],
  ['1a0000', 'ERR_CBOR_MALFORMED', 'truncated 4-byte head'],
  ['4401', 'ERR_CBOR_MALFORMED', 'truncated bstr'],
  ['830102', 'ERR_CBOR_MALFORMED', 'truncated array'],
  ['a101', 'ERR_CBOR_MALFORMED', 'map without the last value'],
  ['1c', 'ERR_CBOR_MALFORMED', 'reserved ai 28'],
  ['5d', 'ERR_CBOR_MALFORMED', 'reserved ai 29 on bstr'],
  ['fe', 'ERR_CBOR_MALFORMED', 'reserved ai 30 on major 7'],
  ['1f', 'ERR_CBOR_MALFORMED', 'indefinite uint'],
  ['df00', 'ERR_CBOR_MALFORMED', 'indefinite tag'],
  ['ff', 'ERR_CBOR_MALFORMED', 'stray break'],
  ['f0', 'ERR_CBOR_MALFORMED', 'unassigned simple value 16'],
  ['f818', 'ERR_CBOR_MALFORMED', 'simple value 24 in two bytes'],
  ['f820', 'ERR_CBOR_MALFORMED', 'unassigned simple value 32'],
  ['62c328', 'ERR_CBOR_MALFORMED', 'invalid UTF-8'],
  ['63eda080', 'ERR_CBOR_MALFORMED', 'UTF-8 encoded surrogate'],
  ['5f4101ff', 'ERR_CBOR_INDEFINITE_LENGTH', 'indefinite bstr'],
  ['7f6161ff', 'ERR_CBOR_INDEFINITE_LENGTH', 'indefinite tstr'],
  ['9f01ff', 'ERR_CBOR_INDEFINITE_LENGTH', 'indefinite array'],
  ['bf0102ff', 'ERR_CBOR_INDEFINITE_LENGTH', 'indefinite map'],
  ['0000', 'ERR_CBOR_TRAILING_BYTES', 'two items'],
  ['d28440a0f640ff', 'ERR_CBOR_TRAILING_BYTES', 'a message with a trailing byte'],
  ['a201020103', 'ERR_CBOR_DUPLICATE_KEY', 'duplicate int key'],
  ['a2616101616102', 'ERR_CBOR_DUPLICATE_KEY', 'duplicate text key'],
  ['a24201020142010202', 'ERR_CBOR_DUPLICATE_KEY', 'duplicate bstr key'],
  ['a28201020182010202', 'ERR_CBOR_DUPLICATE_KEY', 'duplicate array key'],
  ['1817', 'ERR_CBOR_NON_MINIMAL', '23 in a 1-byte argument'],
  ['190017', 'ERR_CBOR_NON_MINIMAL', '23 in a 2-byte argument'],
  ['1a0000ffff', 'ERR_CBOR_NON_MINIMAL', '65535 in a 4-byte argument'],
  ['1b00000000ffffffff', 'ERR_CBOR_NON_MINIMAL', '2^32-1 in an 8-byte argument'],
  ['3817', 'ERR_CBOR_NON_MINIMAL', 'non-minimal negative'],
  ['580100', 'ERR_CBOR_NON_MINIMAL', 'non-minimal bstr length'],
  ['b80100', 'ERR_CBOR_NON_MINIMAL', 'non-minimal map length'],
  ['d81200', 'ERR_CBOR_NON_MINIMAL', 'tag 18 in a 1-byte argument'],
  ['5bffffffffffffffff', 'ERR_CBOR_TOO_LARGE', 'bstr of 2^64-1 bytes'],
  ['5b0020000000000000', 'ERR_CBOR_TOO_LARGE', 'bstr of 2^53 bytes'],
  ['5b001fffffffffffff', 'ERR_CBOR_MALFORMED', 'bstr of 2^53-1 bytes (truncated)'],
  ['7bffffffffffffffff', 'ERR_CBOR_TOO_LARGE', 'tstr of 2^64-1 bytes'],
  ['9bffffffffffffffff', 'ERR_CBOR_TOO_LARGE', 'array of 2^64-1 items'],
  ['9affffffff', 'ERR_CBOR_MALFORMED', 'array of 2^32-1 items (truncated, not allocated)'],
  ['baffffffff', 'ERR_CBOR_MALFORMED', 'map of 2^32-1 entries (truncated, not allocated)'],
  ['dbffffffffffffffff00', 'ERR_CBOR_MALFORMED', 'tag number beyond 2^53'],
];

describe(`decodeCbor (${cborCodec.name})`, () => {
  for (const [hex, want] of APPENDIX_A) {
    it(`decodes RFC 8949 Appendix A ${hex}`, () => {
      const got = decodeCbor(fromHex(hex));
      if (typeof want === 'number' && Number.isNaN(want)) assert.ok(Number.isNaN(got));
      else assert.deepEqual(got, want);
      if (Object.is(want, -0)) assert.ok(Object.is(got, -0));
    });
  }

  it('refuses every malformed or non-strict item with its code', () => {
    for (const [hex, code, label] of REJECTED) {
      throwsCode(() => decodeCbor(fromHex(hex)), code, label);
    }
  });

  it('accepts non-minimal heads only when asked', () => {
    assert.equal(decodeCbor(fromHex('1817'), { allowNonMinimal: true }), 23);
    assert.deepEqual(decodeCbor(fromHex('580100'), { allowNonMinimal: true }), Uint8Array.of(0));
  });

  it('returns byte strings as copies, not views into the input', () => {
    const input = fromHex('8244010203044105');
    const [a, b] = decodeCbor(input) as Uint8Array[];
    input.fill(0xee);
    assert.deepEqual(a, Uint8Array.of(1, 2, 3, 4));
    assert.deepEqual(b, Uint8Array.of(5));
    assert.notEqual(a!.buffer, input.buffer);
    assert.equal(a!.byteOffset, 0);
  });

  it('decodes integers beyond 2^53 as bigint and safe ones as numbers', () => {
    assert.equal(decodeCbor(fromHex('1b001fffffffffffff')), Number.MAX_SAFE_INTEGER);
    assert.equal(decodeCbor(fromHex('1b0020000000000000')), 2n ** 53n);
    assert.equal(decodeCbor(fromHex('3b001ffffffffffffe')), -Number.MAX_SAFE_INTEGER);
    assert.equal(decodeCbor(fromHex('3b001fffffffffffff')), -(2n ** 53n));
  });

  it('decodes maps: text keys → object, any other key → Map with number keys, or Map on request', () => {
    assert.deepEqual(decodeCbor(fromHex('a1616101')), { a: 1 });
    assert.deepEqual(decodeCbor(fromHex('a2616101 0203'.replace(' ', ''))), new Map<unknown, unknown>([['a', 1], [2, 3]]));
    assert.deepEqual(decodeCbor(fromHex('a0'), { mapsAsMaps: true }), new Map());
    assert.deepEqual(decodeCbor(fromHex('a1616101'), { mapsAsMaps: true }), new Map([['a', 1]]));
    const m = decodeCbor(fromHex('a22001413102')) as Map<unknown, unknown>;
    assert.equal(m.get(-1), 1);
    assert.equal([...m.keys()].filter((k) => k instanceof Uint8Array).length, 1);
  });

  it('keeps a "__proto__" key as an own property, never as the prototype', () => {
    const o = decodeCbor(fromHex('a1695f5f70726f746f5f5fa1617801')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.deepEqual(Object.keys(o), ['__proto__']);
    assert.equal((o as { x?: unknown }).x, undefined);
  });

  it('enforces maxSize and maxDepth', () => {
    throwsCode(() => decodeCbor(new Uint8Array(11), { maxSize: 10 }), 'ERR_CBOR_TOO_LARGE');
    const nested = (n: number) => fromHex('81'.repeat(n) + '00');
    assert.ok(Array.isArray(decodeCbor(nested(64))));
    throwsCode(() => decodeCbor(nested(65)), 'ERR_CBOR_TOO_LARGE');
    throwsCode(() => decodeCbor(fromHex('c1'.repeat(65) + '00')), 'ERR_CBOR_TOO_LARGE');
    throwsCode(() => decodeCbor(fromHex('a1' + '01a1'.repeat(70) + '0101')), 'ERR_CBOR_TOO_LARGE');
    assert.ok(Array.isArray(decodeCbor(nested(200), { maxDepth: 300 })));
  });

  it('turns a stack overflow from an absurd maxDepth into ERR_CBOR_TOO_LARGE', () => {
    throwsCode(() => decodeCbor(new Uint8Array(200_000).fill(0x81), { maxDepth: 1e9, maxSize: 1e9 }), 'ERR_CBOR_TOO_LARGE');
  });

  it('rejects input that is not a Uint8Array with a CoseError', () => {
    throwsCode(() => decodeCbor('a0' as unknown as Uint8Array), 'ERR_CBOR_MALFORMED');
  });

  it("floats: 'reject' refuses every float width, NaN and ±Infinity; default and 'allow' decode them", () => {
    const isFloat = (hex: string) => /^f[9ab]/.test(hex);
    const floats = APPENDIX_A.filter(([hex]) => isFloat(hex));
    assert.equal(floats.length, 18); // half, single and double, NaN and infinities among them
    for (const [hex, value] of floats) {
      assert.deepEqual(decodeCbor(fromHex(hex)), value, `default ${hex}`);
      assert.deepEqual(decodeCbor(fromHex(hex), { floats: 'allow' }), value, `allow ${hex}`);
      throwsCode(() => decodeCbor(fromHex(hex), { floats: 'reject' }), 'ERR_CBOR_FLOAT_NOT_ALLOWED', `reject ${hex}`);
    }
    for (const [hex, value] of APPENDIX_A.filter(([h]) => !isFloat(h))) {
      assert.deepEqual(decodeCbor(fromHex(hex), { floats: 'reject' }), value, `reject leaves ${hex} alone`);
    }
  });

  it("floats: 'reject' finds floats nested anywhere, and a truncated float stays ERR_CBOR_MALFORMED", () => {
    const nested: [string, string][] = [
      ['8201f93c00', 'array element'],
      ['a1f93c0001', 'map key 1.0'],
      ['a101fbc01c000000000000', 'map value -7.0 (double)'],
      ['c1fa4ecaa2e0', 'tagged epoch time as single'],
      ['81818181f98000', 'deep -0.0'],
    ];
    for (const [hex, what] of nested) {
      assert.doesNotThrow(() => decodeCbor(fromHex(hex)), what);
      throwsCode(() => decodeCbor(fromHex(hex), { floats: 'reject' }), 'ERR_CBOR_FLOAT_NOT_ALLOWED', what);
    }
    for (const hex of ['f9', 'f93c', 'fa3f80', 'fb3ff0000000']) {
      throwsCode(() => decodeCbor(fromHex(hex), { floats: 'reject' }), 'ERR_CBOR_MALFORMED', `truncated ${hex}`);
    }
  });
});
