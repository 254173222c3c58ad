/**
 * Floats are refused anywhere in a COSE_Sign1 (and a COSE_Key). Once decoded to a JS number, the
 * float -7.0 is the integer -7: without this rule `{1: -7.0, 15: {1.0: "victim"}}` would pass as
 * alg ES256 with CWT iss "victim", while RFC 9052 decoders see no int alg and no iss at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Alg,
  CoseError,
  decodeCbor,
  decodeCoseKey,
  decodeCoseKeySet,
  decodeProtectedHeader,
  decodeSign1,
  encodeSign1,
  fromHex,
  getAlg,
  getCwtClaims,
  nodeCryptoBackend,
  sigStructure1,
  toHex,
} from './index.js';

const FLOAT = 'ERR_CBOR_FLOAT_NOT_ALLOWED';

function throwsCode(fn: () => unknown, code: string, label = ''): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CoseError, `${label}: not a CoseError: ${String(e)}`);
    assert.equal(e.code, code, `${label}: ${e.message}`);
    return true;
  });
}

/** A float in single or double precision, as CBOR hex. */
function floatHex(n: number, width: 32 | 64): string {
  const v = new DataView(new ArrayBuffer(width / 8));
  if (width === 32) v.setFloat32(0, n);
  else v.setFloat64(0, n);
  return (width === 32 ? 'fa' : 'fb') + toHex(new Uint8Array(v.buffer));
}
/** A CBOR bstr around the given hex. */
function bstr(hex: string): string {
  const n = hex.length / 2;
  if (n < 24) return (0x40 + n).toString(16) + hex;
  assert.ok(n < 256);
  return '58' + n.toString(16).padStart(2, '0') + hex;
}
const SIG = '5840' + '07'.repeat(64);
const PAYLOAD = '43010203';
/** A tagged COSE_Sign1 from the hex of its four elements (the protected one wrapped in a bstr). */
const msg = (protMap: string, unprot = 'a0', payload = PAYLOAD, sig = SIG) => fromHex('d284' + bstr(protMap) + unprot + payload + sig);

const F16_MINUS_7 = 'f9c700';
const F16_ONE = 'f93c00';
const VICTIM = '66766963' + '74696d'; // "victim"
// {1: -7.0, 15: {1.0: "victim", 2: "s"}} — the review's example.
const ATTACK_PROT = `a201${F16_MINUS_7}0fa2${F16_ONE}${VICTIM}026173`;

describe('floats in a COSE_Sign1', () => {
  it('the attack: a float-accepting decode reads -7.0 and 1.0 as alg ES256 and iss; decodeSign1 refuses it', () => {
    const lenient = decodeCbor(fromHex(ATTACK_PROT), { mapsAsMaps: true }) as Map<unknown, unknown>;
    assert.equal(lenient.get(1), -7);
    assert.equal((lenient.get(15) as Map<unknown, unknown>).get(1), 'victim');
    throwsCode(() => decodeSign1(msg(ATTACK_PROT)), FLOAT, 'attack');
    throwsCode(() => decodeProtectedHeader(fromHex(ATTACK_PROT)), FLOAT, 'decodeProtectedHeader');
    // The same header with integers is fine.
    const honest = decodeSign1(msg(`a201260fa201${VICTIM}026173`));
    assert.equal(getAlg(honest.protectedHeader), Alg.ES256);
    assert.equal(getCwtClaims(honest.protectedHeader).iss, 'victim');
  });

  it('a validly signed message with a float alg is refused all the same', async () => {
    const key = await nodeCryptoBackend.generateKey(Alg.ES256);
    const protectedBytes = fromHex(ATTACK_PROT);
    const payload = Uint8Array.of(1, 2, 3);
    const signature = await nodeCryptoBackend.sign(Alg.ES256, key, sigStructure1(protectedBytes, new Uint8Array(0), payload));
    const bytes = encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature });
    throwsCode(() => decodeSign1(bytes), FLOAT, 'signed attack');
  });

  // [what, message]: each must fail with ERR_CBOR_FLOAT_NOT_ALLOWED.
  const CASES: [string, Uint8Array][] = [
    ['alg -7.0 as half', msg(`a101${F16_MINUS_7}`)],
    ['alg -7.0 as single', msg(`a101${floatHex(-7, 32)}`)],
    ['alg -7.0 as double', msg(`a101${floatHex(-7, 64)}`)],
    ['alg -7.0 as double, untagged', fromHex('84' + bstr(`a101${floatHex(-7, 64)}`) + 'a0' + PAYLOAD + SIG)],
    ['alg -7.0 in the unprotected header', msg('', `a101${F16_MINUS_7}`)],
    ['label 1.0 (alg)', msg(`a1${F16_ONE}26`)],
    ['label 4.0 (kid) in the unprotected header', msg('a10126', 'a1f94400423131')],
    ['CWT claim key 1.0 (iss)', msg(`a201260fa1${F16_ONE}${VICTIM}`)],
    ['CWT claim iat 1700000000.0', msg(`a201260fa106${floatHex(1700000000, 64)}`)],
    ['crit [1.0]', msg(`a201260281${F16_ONE}`)],
    ['a float value under a custom label in the unprotected header', msg('a10126', 'a163657874f93e00')],
    ['a float nested deep in the unprotected header', msg('a10126', 'a16365787481a101fb3ff8000000000000')],
    ['receipts (396) holding a float', msg('a10126', `a119018ca12081${F16_ONE}`)],
    ['NaN (half) as alg', msg('a101f97e00')],
    ['NaN (single) as alg', msg('a101fa7fc00000')],
    ['NaN (double) in the unprotected header', msg('a10126', 'a163657874fb7ff8000000000000')],
    ['+Infinity', msg('a10126', 'a163657874f97c00')],
    ['-Infinity', msg('a10126', 'a163657874f9fc00')],
    ['-0.0 as alg', msg('a101f98000')],
    ['a float payload', msg('a10126', 'a0', F16_ONE)],
    ['a float signature', msg('a10126', 'a0', PAYLOAD, floatHex(0.5, 64))],
    ['a float protected element', fromHex(`d284${F16_ONE}a0${PAYLOAD}${SIG}`)],
  ];
  for (const [what, bytes] of CASES) {
    it(`refuses ${what}`, () => {
      throwsCode(() => decodeSign1(bytes), FLOAT, what);
    });
  }

  it('the table cases are otherwise well-formed: a float-accepting decode takes each of them', () => {
    for (const [what, bytes] of CASES) assert.doesNotThrow(() => decodeCbor(bytes), what);
  });
});

// RFC 9679 §6 key, as in cose-key.unit.spec.ts: {1: 2, -1: 1, -2: x, -3: y}.
const X = '65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d';
const Y = '1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c';
const keyHex = (kty = '0102', crv = '2001', xLabel = '21') => `a4${kty}${crv}${xLabel}5820${X}225820${Y}`;

describe('floats in a COSE_Key', () => {
  it('the integer key decodes; kty 2.0, crv 1.0, label -2.0, alg -7.0 are refused', () => {
    assert.equal(decodeCoseKey(fromHex(keyHex())).kty, 2);
    const bad: [string, string][] = [
      ['kty 2.0', keyHex('01f94000')],
      ['crv 1.0', keyHex('0102', '20f93c00')],
      ['label -2.0 (x)', keyHex('0102', '2001', 'f9c000')],
      ['alg -7.0', `a5010203${F16_MINUS_7}2001215820${X}225820${Y}`],
    ];
    for (const [what, hex] of bad) {
      assert.doesNotThrow(() => decodeCbor(fromHex(hex)), what);
      throwsCode(() => decodeCoseKey(fromHex(hex)), FLOAT, what);
      throwsCode(() => decodeCoseKeySet(fromHex('82' + keyHex() + hex)), FLOAT, `key set: ${what}`);
    }
    assert.equal(decodeCoseKeySet(fromHex('81' + keyHex())).length, 1);
  });
});
