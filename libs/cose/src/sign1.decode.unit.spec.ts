import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCrit, CoseError, decodeSign1, encodeCbor, getAlg, getCwtClaims, Tagged, toHex, type HeaderMap } from './index.js';

const SIG = new Uint8Array(64).fill(7);
const PAYLOAD = Uint8Array.of(1, 2, 3);
const msgOf = (p: unknown, u: unknown = new Map(), payload: unknown = PAYLOAD, sig: unknown = SIG, tag: number | null = 18) =>
  encodeCbor(tag === null ? [p, u, payload, sig] : new Tagged(tag, [p, u, payload, sig]));
const prot = (entries: [unknown, unknown][]) => encodeCbor(new Map(entries));

function throwsCode(fn: () => unknown, code: string, label = ''): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CoseError, `${label}: not a CoseError: ${String(e)}`);
    assert.equal(e.code, code, `${label}: ${e.message}`);
    return true;
  });
}

describe('decodeSign1 structure', () => {
  it('accepts tagged and untagged, an empty protected header (zero-length or a0), and a nil payload', () => {
    const a = decodeSign1(msgOf(new Uint8Array(0), new Map([[1, -7]]), null));
    assert.equal(a.tagged, true);
    assert.equal(a.payload, null);
    assert.equal(a.protectedHeader.size, 0);
    const b = decodeSign1(msgOf(Uint8Array.of(0xa0), new Map([[1, -7]]), PAYLOAD, SIG, null));
    assert.equal(b.tagged, false);
    assert.equal(toHex(b.protectedBytes), 'a0');
    assert.equal(getAlg(b.unprotectedHeader), -7);
  });

  it('refuses what is not a COSE_Sign1', () => {
    const p = prot([[1, -7]]);
    throwsCode(() => decodeSign1(msgOf(p, new Map(), PAYLOAD, SIG, 98)), 'ERR_COSE_NOT_SIGN1', 'tag 98');
    throwsCode(() => decodeSign1(msgOf(p, new Map(), PAYLOAD, SIG, 17)), 'ERR_COSE_NOT_SIGN1', 'tag 17');
    throwsCode(() => decodeSign1(encodeCbor(new Tagged(18, new Tagged(18, [p, new Map(), PAYLOAD, SIG])))), 'ERR_COSE_NOT_SIGN1', 'double tag');
    throwsCode(() => decodeSign1(encodeCbor([p, new Map(), PAYLOAD])), 'ERR_COSE_NOT_SIGN1', '3 elements');
    throwsCode(() => decodeSign1(encodeCbor([p, new Map(), PAYLOAD, SIG, SIG])), 'ERR_COSE_NOT_SIGN1', '5 elements');
    throwsCode(() => decodeSign1(encodeCbor(new Map())), 'ERR_COSE_NOT_SIGN1', 'a map');
    throwsCode(() => decodeSign1(encodeCbor(new Tagged(18, 'x'))), 'ERR_COSE_NOT_SIGN1', 'tag 18 on text');
  });

  it('refuses elements of the wrong CBOR type', () => {
    const p = prot([[1, -7]]);
    // Floats are refused before any type check (ERR_CBOR_FLOAT_NOT_ALLOWED): see sign1.floats.unit.spec.ts.
    const others: unknown[] = [0, -1, 'text', [], new Map(), new Tagged(24, Uint8Array.of(0)), false, null];
    for (const o of others) {
      if (!(o instanceof Uint8Array)) throwsCode(() => decodeSign1(msgOf(o)), 'ERR_COSE_WRONG_TYPE', `protected ${String(o)}`);
      if (!(o instanceof Map)) throwsCode(() => decodeSign1(msgOf(p, o)), 'ERR_COSE_WRONG_TYPE', `unprotected ${String(o)}`);
      if (o !== null) throwsCode(() => decodeSign1(msgOf(p, new Map(), o)), 'ERR_COSE_WRONG_TYPE', `payload ${String(o)}`);
      throwsCode(() => decodeSign1(msgOf(p, new Map(), PAYLOAD, o)), 'ERR_COSE_WRONG_TYPE', `signature ${String(o)}`);
    }
  });

  it('refuses a protected bstr that does not hold one strict map', () => {
    throwsCode(() => decodeSign1(msgOf(Uint8Array.of(0x01))), 'ERR_COSE_BAD_HEADER', 'an int');
    throwsCode(() => decodeSign1(msgOf(Uint8Array.of(0x80))), 'ERR_COSE_BAD_HEADER', 'an array');
    throwsCode(() => decodeSign1(msgOf(Uint8Array.of(0xa1, 0x01))), 'ERR_CBOR_MALFORMED', 'truncated map');
    throwsCode(() => decodeSign1(msgOf(Uint8Array.of(0xa1, 0x01, 0x26, 0x00))), 'ERR_CBOR_TRAILING_BYTES', 'trailing byte');
    throwsCode(() => decodeSign1(msgOf(Uint8Array.of(0xa2, 0x01, 0x26, 0x01, 0x26))), 'ERR_CBOR_DUPLICATE_KEY', 'duplicate alg');
    throwsCode(() => decodeSign1(msgOf(Uint8Array.of(0xbf, 0x01, 0x26, 0xff))), 'ERR_CBOR_INDEFINITE_LENGTH', 'indefinite map');
    throwsCode(() => decodeSign1(msgOf(Uint8Array.of(0xa1, 0x01, 0x38, 0x06))), 'ERR_CBOR_NON_MINIMAL', 'non-minimal alg');
  });
});

describe('decodeSign1 header checks', () => {
  const ok = new Uint8Array(2);
  // [label, a valid value, an invalid value]
  const TABLE: [number, unknown, unknown][] = [
    [1, -7, Uint8Array.of(1)],
    [1, 'custom-alg', [1]],
    [3, 0, -1],
    [3, 'application/json', Uint8Array.of(1)],
    [4, ok, 'text-kid'],
    [5, ok, 1],
    [15, new Map([[1, 'iss']]), [1]],
    [16, 'application/example+cose', -3],
    [33, ok, []],
    [33, [ok, ok], [ok, 'x']],
    [34, [-16, ok], [-16]],
    [258, -16, Uint8Array.of(1)],
    [259, 'application/spdx+json', true],
    [260, 'https://example.com/sbom', 5],
    [394, [ok], ok],
    [395, 1, 'RFC9162_SHA256'],
    [396, new Map([[-1, [ok]]]), [ok]],
  ];
  for (const [label, good, bad] of TABLE) {
    it(`label ${label}: accepts ${toHex(encodeCbor(good))}, refuses ${toHex(encodeCbor(bad))}`, () => {
      const bucket = label === 394 || label === 396 ? 'u' : 'p';
      const build = (v: unknown) =>
        bucket === 'p' ? msgOf(prot([[label, v]])) : msgOf(new Uint8Array(0), new Map([[label, v]]));
      assert.equal(decodeSign1(build(good)).protectedHeader.size + decodeSign1(build(good)).unprotectedHeader.size, 1);
      throwsCode(() => decodeSign1(build(bad)), 'ERR_COSE_BAD_HEADER');
    });
  }

  it('crit: must be a non-empty label array, and only in the protected header', () => {
    throwsCode(() => decodeSign1(msgOf(prot([[2, []]]))), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => decodeSign1(msgOf(prot([[2, [true]]]))), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => decodeSign1(msgOf(new Uint8Array(0), new Map([[2, [258]]]))), 'ERR_COSE_BAD_HEADER');
    const m = decodeSign1(msgOf(prot([[2, [258, 'ext']], [258, -16], ['ext', 1]])));
    checkCrit(m.protectedHeader, [258, 'ext']);
    throwsCode(() => checkCrit(m.protectedHeader, [258]), 'ERR_COSE_UNSUPPORTED_CRIT');
    const absent = decodeSign1(msgOf(prot([[2, [258]]])));
    throwsCode(() => checkCrit(absent.protectedHeader, [258]), 'ERR_COSE_UNSUPPORTED_CRIT');
  });

  it('refuses labels that are neither int nor tstr, and labels in both buckets', () => {
    throwsCode(() => decodeSign1(msgOf(prot([[Uint8Array.of(1), 1]]))), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => decodeSign1(msgOf(prot([[18446744073709551615n, 1]]))), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => decodeSign1(msgOf(new Uint8Array(0), new Map<unknown, unknown>([[[1], 1]]))), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => decodeSign1(msgOf(prot([[4, Uint8Array.of(1)]]), new Map([[4, Uint8Array.of(2)]]))), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => decodeSign1(msgOf(prot([['x', 1]]), new Map([['x', 2]]))), 'ERR_COSE_BAD_HEADER');
  });

  it('getAlg and getCwtClaims say why they fail', () => {
    throwsCode(() => getAlg(new Map()), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => getAlg(new Map([[1, 'ES256']])), 'ERR_COSE_UNKNOWN_ALG');
    const claims = (m: Map<unknown, unknown>) => getCwtClaims(new Map([[15, m]]) as HeaderMap);
    assert.deepEqual(getCwtClaims(new Map()), {});
    assert.deepEqual(claims(new Map<unknown, unknown>([[1, 'i'], [2, 's'], [6, 1700000000], [7, Uint8Array.of(1)], [500, true], ['txt', 1]])), {
      1: 'i',
      2: 's',
      6: 1700000000,
      7: Uint8Array.of(1),
      500: true,
      iss: 'i',
      sub: 's',
      iat: 1700000000,
      cti: Uint8Array.of(1),
    });
    throwsCode(() => claims(new Map([[1, 5]])), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => claims(new Map([[2, Uint8Array.of(1)]])), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => claims(new Map([[6, '2024']])), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => claims(new Map([[7, 'cti']])), 'ERR_COSE_BAD_HEADER');
    throwsCode(() => getCwtClaims(new Map([[15, [1]]])), 'ERR_COSE_BAD_HEADER');
  });
});
