/**
 * Seeded mutation fuzzing of the decoders: truncation at every offset, bit flips, byte
 * replacement, insertions, wrong major types, huge declared lengths, deep nesting and random
 * garbage. Every input must end in a result or a CoseError with a known code — never another
 * exception type, never a hang (each test has a timeout).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Alg,
  CoseError,
  CoseErrorCode,
  decodeCbor,
  decodeCoseKey,
  decodeSign1,
  encodeCbor,
  encodeSign1,
  fromHex,
  jwkToCoseKey,
  nobleBackend,
  nodeCryptoBackend,
  publicKey,
  Tagged,
  verifySign1,
} from './index.js';

const KNOWN_CODES = new Set<string>(Object.values(CoseErrorCode));

/** mulberry32: a small seeded PRNG so every run mutates the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs fn; passes if it returns or throws a CoseError with a known code. Returns the outcome. */
function outcome<T>(fn: () => T, label: string): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    assert.ok(e instanceof CoseError, `${label}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.ok(KNOWN_CODES.has(e.code), `${label}: unknown code ${e.code}`);
    return { ok: false, code: e.code };
  }
}

// The ES256 COSE WG example (ecdsa-sig-01) and its key.
const ES256_MSG = fromHex(
  'd28445a201260300a10442313154546869732069732074686520636f6e74656e742e58406520bbaf2081d7e0ed0f95f76eb0733d667005f7467cec4b87b9381a6ba1ede8e00df29f32a37230f39a842a54821fdd223092819d7728efb9d3a0080b75380b',
);
const ES256_KEY = publicKey(
  jwkToCoseKey({ kty: 'EC', crv: 'P-256', x: 'usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8', y: 'IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4' }),
);
// A statement-shaped message with every header kind this project uses.
const RICH_MSG = encodeSign1({
  protectedBytes: encodeCbor(
    new Map<number | string, unknown>([
      [1, Alg.ES256],
      [2, [258]],
      [4, Uint8Array.of(1, 2, 3, 4)],
      [15, new Map<number, unknown>([[1, 'did:web:issuer.example'], [2, 'registry.example/app@sha256:' + '0'.repeat(64)], [6, 1700000000]])],
      [16, 'application/example+cose'],
      [33, [new Uint8Array(40).fill(0x30), new Uint8Array(20).fill(0x31)]],
      [258, -16],
      [259, 'application/spdx+json'],
      ['ext', { nested: ['1.5', -2, true, null] }], // no float: decodeSign1 refuses floats
    ]),
  ),
  unprotectedHeader: new Map<number, unknown>([
    [394, [new Uint8Array(30).fill(0xd2)]],
    [396, new Map([[-1, [encodeCbor([8, 3, [new Uint8Array(32), new Uint8Array(32)]])]]])],
  ]),
  payload: new Uint8Array(32).fill(0xab),
  signature: new Uint8Array(64).fill(0x5a),
});
const SEEDS: [string, Uint8Array][] = [
  ['ES256 example', ES256_MSG],
  ['rich statement', RICH_MSG],
];

describe('decoder fuzzing (seeded)', () => {
  for (const [name, seed] of SEEDS) {
    it(`${name}: the seed itself decodes`, () => {
      assert.ok(decodeSign1(seed));
    });

    it(`${name}: truncation at every offset fails with a CoseError`, { timeout: 30_000 }, () => {
      for (let n = 0; n < seed.length; n++) {
        const r = outcome(() => decodeSign1(seed.subarray(0, n)), `truncated to ${n}`);
        assert.equal(r.ok, false, `truncated to ${n} decoded`);
        outcome(() => decodeCbor(seed.subarray(0, n)), `decodeCbor truncated to ${n}`);
      }
    });

    it(`${name}: trailing bytes are refused`, () => {
      for (const extra of [[0x00], [0xff], [0xd2, 0x84]]) {
        const r = outcome(() => decodeSign1(new Uint8Array([...seed, ...extra])), 'trailing');
        assert.deepEqual(r, { ok: false, code: 'ERR_CBOR_TRAILING_BYTES' });
      }
    });

    it(`${name}: 4000 bit flips, byte swaps and insertions never escape as another error`, { timeout: 60_000 }, async () => {
      const rnd = prng(0xc05e + seed.length);
      let decoded = 0;
      let verified = 0;
      for (let i = 0; i < 4000; i++) {
        const b = seed.slice();
        const kind = i % 4;
        const at = Math.floor(rnd() * b.length);
        let m: Uint8Array = b;
        if (kind === 0) b[at]! ^= 1 << Math.floor(rnd() * 8);
        else if (kind === 1) b[at] = Math.floor(rnd() * 256);
        else if (kind === 2) m = new Uint8Array([...b.subarray(0, at), Math.floor(rnd() * 256), ...b.subarray(at)]);
        else m = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1 + Math.floor(rnd() * 3))]);
        const r = outcome(() => decodeSign1(m), `mutation ${i} (kind ${kind} at ${at})`);
        if (!r.ok) continue;
        decoded++;
        if (seed === ES256_MSG) {
          // A mutation that still decodes may still verify (e.g. inside the unsigned kid), or must fail with a CoseError.
          const backend = verified < 60 ? nobleBackend : nodeCryptoBackend;
          verified++;
          try {
            await verifySign1(r.value, ES256_KEY, { backend });
          } catch (e) {
            assert.ok(e instanceof CoseError && KNOWN_CODES.has(e.code), `verify after mutation ${i}: ${String(e)}`);
          }
        }
      }
      assert.ok(decoded < 4000, 'most mutations must be refused');
    });
  }

  it('wrong major types at every element of the array', () => {
    const replacements = ['00', '20', '4100', '6161', '80', 'a0', 'c000', 'f4', 'f6', 'f93c00', '1bffffffffffffffff', '3bffffffffffffffff'];
    const parts = [fromHex('43a10126'), fromHex('a0'), fromHex('4101'), fromHex('4102')];
    for (let slot = 0; slot < 4; slot++) {
      for (const r of replacements) {
        const items = parts.map((p, i) => (i === slot ? fromHex(r) : p));
        const bytes = new Uint8Array([0xd2, 0x84, ...items.flatMap((x) => [...x])]);
        const res = outcome(() => decodeSign1(bytes), `slot ${slot} ← ${r}`);
        const fine = (slot === 0 && r === '4100') || (slot === 1 && r === 'a0') || (slot === 2 && (r === '4100' || r === 'f6')) || (slot === 3 && r === '4100');
        if (slot === 0 && r === '4100') assert.deepEqual(res, { ok: false, code: 'ERR_COSE_BAD_HEADER' }, 'protected h"00"');
        else assert.equal(res.ok, fine, `slot ${slot} ← ${r}`);
      }
    }
  });

  it('huge declared lengths fail fast without allocating', { timeout: 10_000 }, () => {
    const heads = ['5bffffffffffffffff', '5b7fffffffffffffff', '5affffffff', '7bffffffffffffffff', '9bffffffffffffffff', '9affffffff', 'bbffffffffffffffff', 'baffffffff', '59ffff', '98ff'];
    for (const h of heads) {
      for (let slot = 0; slot < 4; slot++) {
        const parts = ['43a10126', 'a0', '4101', '4102'];
        parts[slot] = h;
        const r = outcome(() => decodeSign1(fromHex('d284' + parts.join(''))), `${h} at ${slot}`);
        assert.equal(r.ok, false);
        assert.ok(['ERR_CBOR_TOO_LARGE', 'ERR_CBOR_MALFORMED'].includes((r as { code: string }).code));
      }
    }
  });

  it('deep nesting is refused quickly', { timeout: 10_000 }, () => {
    for (const opener of ['81', 'a101', 'c1', 'd864']) {
      const bytes = fromHex('d28440a1' + '01' + opener.repeat(20_000) + '00' + '4040');
      const t0 = performance.now();
      const r = outcome(() => decodeSign1(bytes), `nesting ${opener}`);
      assert.equal(r.ok, false);
      assert.ok(performance.now() - t0 < 1000);
    }
    const r = outcome(() => decodeSign1(encodeCbor(new Tagged(18, [new Uint8Array(0), new Map([[100, [[[[[[1]]]]]]]]), null, new Uint8Array(0)]))), 'shallow');
    assert.equal(r.ok, true);
  });

  it('random garbage of every small length', { timeout: 30_000 }, () => {
    const rnd = prng(8949);
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rnd() * 80);
      const b = new Uint8Array(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
      if (i % 2) b[0] = 0xd2;
      outcome(() => decodeSign1(b), `garbage ${i}`);
      outcome(() => decodeCbor(b), `garbage cbor ${i}`);
      outcome(() => decodeCoseKey(b), `garbage key ${i}`);
    }
  });

  it('maxSize is enforced before decoding', () => {
    assert.deepEqual(outcome(() => decodeSign1(RICH_MSG, { maxSize: RICH_MSG.length - 1 }), 'maxSize'), { ok: false, code: 'ERR_CBOR_TOO_LARGE' });
    assert.equal(outcome(() => decodeSign1(RICH_MSG, { maxSize: RICH_MSG.length }), 'maxSize').ok, true);
  });
});
