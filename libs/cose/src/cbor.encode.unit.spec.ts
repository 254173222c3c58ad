import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CoseError, fromHex, Tagged, toHex } from './index.js';
import { cborCodec } from '../../../test/support/cbor-codec.js';

// The codec under test: the own one, or the bake-off's contender with CBOR_CODEC=cbor-x (docs/cose.md).
const { decodeCbor, encodeCbor } = cborCodec;

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof CoseError && e.code === code);
}

// RFC 8949 Appendix A items that are in deterministic (preferred) form, as JS values.
const DETERMINISTIC: [unknown, string][] = [
  [0, '00'],
  [23, '17'],
  [24, '1818'],
  [1000000, '1a000f4240'],
  [1000000000000, '1b000000e8d4a51000'],
  [2 ** 32, '1b0000000100000000'],
  [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
  [18446744073709551615n, '1bffffffffffffffff'],
  [-18446744073709551616n, '3bffffffffffffffff'],
  [5n, '05'],
  [-1, '20'],
  [-1000, '3903e7'],
  [1.5, 'f93e00'],
  [1.1, 'fb3ff199999999999a'],
  [65504, '19ffe0'],
  [65504.5, 'fa477fe080'],
  [100000.5, 'fa47c35040'],
  [100000.1, 'fb40f86a019999999a'],
  [3.4028234663852886e38, 'fa7f7fffff'],
  [1e300, 'fb7e37e43c8800759c'],
  [5.960464477539063e-8, 'f90001'],
  [0.00006103515625, 'f90400'],
  [-4.1, 'fbc010666666666666'],
  [Infinity, 'f97c00'],
  [-Infinity, 'f9fc00'],
  [NaN, 'f97e00'],
  [2 ** 53, 'fa5a000000'],
  [false, 'f4'],
  [true, 'f5'],
  [null, 'f6'],
  [undefined, 'f7'],
  [new Uint8Array(0), '40'],
  [Uint8Array.of(1, 2, 3, 4), '4401020304'],
  ['', '60'],
  ['\u00fc', '62c3bc'],
  ['\u{10151}', '64f0908591'],
  [[1, [2, 3], [4, 5]], '8301820203820405'],
  [new Map(), 'a0'],
  [{}, 'a0'],
  [{ b: [2, 3], a: 1 }, 'a26161016162820203'],
  [{ a: 1, skipped: undefined }, 'a1616101'],
  [new Map([[3, 4], [1, 2]]), 'a201020304'],
  [new Tagged(1, 1363896240), 'c11a514b67b0'],
  [new Tagged(18, [new Uint8Array(0), new Map(), null, new Uint8Array(0)]), 'd28440a0f640'],
];

describe(`encodeCbor (${cborCodec.name})`, () => {
  for (const [value, hex] of DETERMINISTIC) {
    it(`encodes ${typeof value === 'bigint' ? `${value}n` : String(value instanceof Map ? 'Map' : JSON.stringify(value) ?? value)} as ${hex}`, () => {
      assert.equal(toHex(encodeCbor(value)), hex);
    });
  }

  it('sorts map keys by their encoded bytes (RFC 8949 §4.2.1 example order)', () => {
    const keys: unknown[] = [false, [-1], 'aa', 100, 'z', -1, [100], 10];
    const m = new Map(keys.map((k, i) => [k, i]));
    const decoded = decodeCbor(encodeCbor(m)) as Map<unknown, unknown>;
    assert.deepEqual([...decoded.keys()], [10, 100, -1, 'z', 'aa', [100], [-1], false]);
  });

  it('adds no tag 64 for bytes, no tag 259 for maps, no 16-bit map headers', () => {
    assert.equal(toHex(encodeCbor(Buffer.from([1]))), '4101');
    assert.equal(toHex(encodeCbor(new Map([[1, new Map()]]))), 'a101a0');
  });

  it('encodes text as UTF-8 on the ASCII fast path and off it (lengths around the 256 cut-off)', () => {
    for (const str of ['', 'a', 'x'.repeat(23), 'x'.repeat(24), 'y'.repeat(255), 'y'.repeat(256), 'z'.repeat(257), '\u007f'.repeat(300), 'caf\u00e9', '\u{1F600}'.repeat(3)]) {
      const utf8 = new TextEncoder().encode(str);
      const enc = encodeCbor(str);
      assert.deepEqual(enc.subarray(enc.length - utf8.length), utf8);
      assert.equal(decodeCbor(enc), str);
    }
  });

  it('encodes -0 as the integer 0 (documented: JS numbers carry no int/float intent)', () => {
    assert.equal(toHex(encodeCbor(-0)), '00');
  });

  it('refuses values with no CBOR form, and keys that collide', () => {
    throwsCode(() => encodeCbor(new Date(0)), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(() => 1), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(Symbol('s')), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(new ArrayBuffer(1)), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(new Uint16Array(1)), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(2n ** 64n), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(-(2n ** 64n) - 1n), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor('\ud800'), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(new Tagged(-1, 0)), 'ERR_CBOR_UNSUPPORTED_TYPE');
    throwsCode(() => encodeCbor(new Map<unknown, unknown>([[1, 'a'], [1n, 'b']])), 'ERR_CBOR_DUPLICATE_KEY');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    throwsCode(() => encodeCbor(cyclic), 'ERR_CBOR_UNSUPPORTED_TYPE');
  });

  it('round-trips: decode(encode(v)) re-encodes to the same bytes (property, seeded)', () => {
    const leaf = fc.oneof(
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
      fc.double(),
      fc.string({ unit: 'grapheme' }),
      fc.uint8Array({ maxLength: 40 }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 5 }), fc.array(fc.tuple(fc.oneof(fc.integer(), fc.string()), tie('v')), { maxLength: 5 }).map((es) => new Map(es))),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeCbor(v);
        const again = encodeCbor(decodeCbor(bytes, { mapsAsMaps: true }));
        assert.equal(toHex(again), toHex(bytes));
      }),
      { seed: 9679, numRuns: 500 },
    );
  });

  it('decodes what it encodes for the embedded deterministic table', () => {
    for (const [value, hex] of DETERMINISTIC) {
      if (value instanceof Tagged || value === undefined || (typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value))) continue;
      const back = decodeCbor(fromHex(hex));
      if (typeof value === 'number' && Number.isNaN(value)) assert.ok(Number.isNaN(back));
      else if (typeof value === 'bigint' && value >= -(2n ** 53n) + 1n && value <= 2n ** 53n - 1n) assert.equal(back, Number(value));
      else assert.deepEqual(back, value);
    }
  });
});
