import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import {
  Alg,
  CoseError,
  coseKeyFromMap,
  coseKeyThumbprint,
  coseKeyToJwk,
  coseKeyToMap,
  decodeCoseKey,
  decodeCoseKeySet,
  encodeCbor,
  encodeCoseKey,
  encodeCoseKeySet,
  fromHex,
  jwkToCoseKey,
  nobleBackend,
  nodeCryptoBackend,
  publicKey,
  publicKeyFromCertificate,
  toHex,
  type CoseKey,
} from './index.js';

function throwsCode(fn: () => unknown, code: string, label = ''): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CoseError, `${label}: not a CoseError: ${String(e)}`);
    assert.equal(e.code, code, `${label}: ${e.message}`);
    return true;
  });
}

// RFC 9679 §6: the example key and its thumbprint (which the RFC also uses as the key's kid).
const RFC9679_X = '65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d';
const RFC9679_Y = '1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c';
const RFC9679_THUMBPRINT = '496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec';
const RFC9679_CANONICAL = `a401022001215820${RFC9679_X}225820${RFC9679_Y}`;
// The RFC's COSE_Key, map in the order the RFC prints it ({1, -1, -2, -3, 2}): not deterministic, still accepted.
const RFC9679_KEY = `a501022001215820${RFC9679_X}225820${RFC9679_Y}025820${RFC9679_THUMBPRINT}`;

// A self-signed P-256 certificate made with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256`.
const CERT_DER =
  '3082017f30820125a00302010202145192d5955882e14c7be12a4e742a01eb625ead6b300a06082a8648ce3d04030230143112301006035504030c09636f73652d746573743020170d3236313132323034333432315a180f32313236313032393034333432315a30143112301006035504030c09636f73652d746573743059301306072a8648ce3d020106082a8648ce3d0301070342000461154df771dc50f956249ffea20c306a9a456ce65c440cd224cc53791bfec8f45d6226644dbda58e81ae8e5f4b6395888fa372e7b4bf029b49ad3838f7bd3fcba3533051301d0603551d0e041604147cb6812cc3eab3e88ad5d7e0b857de5bf6298817301f0603551d230418301680147cb6812cc3eab3e88ad5d7e0b857de5bf6298817300f0603551d130101ff040530030101ff300a06082a8648ce3d040302034800304502204823e0c6b42ddf6e9eedf6b4623426834d4d846f51e22ba049790caf67b0e953022100e252c6d1c98fcc928e62977dbc532e56576e39750970095d7efd8be2a2a4b343';
const CERT_X = '61154df771dc50f956249ffea20c306a9a456ce65c440cd224cc53791bfec8f4';
const CERT_Y = '5d6226644dbda58e81ae8e5f4b6395888fa372e7b4bf029b49ad3838f7bd3fcb';

describe('COSE_Key thumbprint (RFC 9679)', () => {
  it('reproduces the RFC 9679 §6 example', () => {
    const key = decodeCoseKey(fromHex(RFC9679_KEY));
    assert.equal(toHex(key.kid!), RFC9679_THUMBPRINT);
    assert.equal(toHex(encodeCbor(new Map<number, unknown>([[1, 2], [-1, 1], [-2, key.x], [-3, key.y]]))), RFC9679_CANONICAL);
    assert.equal(toHex(coseKeyThumbprint(key)), RFC9679_THUMBPRINT);
  });

  it('ignores kid, alg and the private part', async () => {
    const k = await nodeCryptoBackend.generateKey(Alg.ES256);
    const t = toHex(coseKeyThumbprint(k));
    assert.equal(toHex(coseKeyThumbprint(publicKey(k))), t);
    assert.equal(toHex(coseKeyThumbprint({ ...k, kid: Uint8Array.of(9), alg: undefined })), t);
    assert.notEqual(toHex(coseKeyThumbprint(await nodeCryptoBackend.generateKey(Alg.ES256))), t);
  });

  it('covers OKP keys with kty, crv and x only', () => {
    const x = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const canonical = encodeCbor(new Map<number, unknown>([[1, 1], [-1, 6], [-2, x]]));
    assert.equal(toHex(canonical), 'a301012006215820' + toHex(x));
    assert.equal(coseKeyThumbprint({ kty: 1, crv: 6, x }).length, 32);
  });
});

describe('COSE_Key encoding', () => {
  it('encodes deterministically and decodes back', async () => {
    for (const alg of [Alg.ES256, Alg.ES384, Alg.ES512, Alg.EdDSA]) {
      const k: CoseKey = { ...(await nodeCryptoBackend.generateKey(alg)), kid: Uint8Array.of(1, 2) };
      const bytes = encodeCoseKey(k);
      assert.deepEqual(decodeCoseKey(bytes), k);
      assert.deepEqual(coseKeyFromMap(coseKeyToMap(k)), k);
      const labels = [...(coseKeyToMap(k).keys())];
      assert.deepEqual(labels, [1, 2, 3, -1, -2, ...(k.kty === 2 ? [-3] : []), -4]);
    }
  });

  it('round-trips key sets and the public part', async () => {
    const keys = [await nodeCryptoBackend.generateKey(Alg.ES256), await nobleBackend.generateKey(Alg.EdDSA)].map(publicKey);
    assert.ok(keys.every((k) => k.d === undefined));
    assert.deepEqual(decodeCoseKeySet(encodeCoseKeySet(keys)), keys);
    throwsCode(() => decodeCoseKeySet(encodeCbor(new Map())), 'ERR_COSE_BAD_KEY');
    throwsCode(() => decodeCoseKeySet(encodeCbor([1])), 'ERR_COSE_BAD_KEY');
  });

  it('refuses malformed keys with ERR_COSE_BAD_KEY', () => {
    const x = new Uint8Array(32).fill(1);
    const bad: [string, Map<number, unknown>][] = [
      ['symmetric kty 4', new Map<number, unknown>([[1, 4], [-1, new Uint8Array(16)]])],
      ['EC2 with an OKP curve', new Map<number, unknown>([[1, 2], [-1, 6], [-2, x], [-3, x]])],
      ['OKP with an EC curve', new Map<number, unknown>([[1, 1], [-1, 1], [-2, x]])],
      ['unknown curve', new Map<number, unknown>([[1, 2], [-1, 8], [-2, x], [-3, x]])],
      ['short x', new Map<number, unknown>([[1, 2], [-1, 1], [-2, x.subarray(1)], [-3, x]])],
      ['missing y', new Map<number, unknown>([[1, 2], [-1, 1], [-2, x]])],
      ['compressed point', new Map<number, unknown>([[1, 2], [-1, 1], [-2, x], [-3, true]])],
      ['y on OKP', new Map<number, unknown>([[1, 1], [-1, 6], [-2, x], [-3, x]])],
      ['text kid', new Map<number, unknown>([[1, 1], [2, 'kid'], [-1, 6], [-2, x]])],
      ['text alg', new Map<number, unknown>([[1, 1], [3, 'EdDSA'], [-1, 6], [-2, x]])],
      ['short d', new Map<number, unknown>([[1, 1], [-1, 6], [-2, x], [-4, x.subarray(2)]])],
      ['x as text', new Map<number, unknown>([[1, 1], [-1, 6], [-2, 'x']])],
    ];
    for (const [label, m] of bad) throwsCode(() => decodeCoseKey(encodeCbor(m)), 'ERR_COSE_BAD_KEY', label);
    throwsCode(() => decodeCoseKey(encodeCbor([1])), 'ERR_COSE_BAD_KEY', 'an array');
    throwsCode(() => decodeCoseKey(fromHex('a2010101')), 'ERR_CBOR_MALFORMED', 'truncated');
  });
});

describe('JWK conversion', () => {
  it('round-trips every supported curve and matches node:crypto JWK export', async () => {
    for (const alg of [Alg.ES256, Alg.ES384, Alg.ES512, Alg.EdDSA]) {
      const k: CoseKey = { ...(await nobleBackend.generateKey(alg)), kid: new TextEncoder().encode('key-1') };
      const jwk = coseKeyToJwk(k);
      assert.equal(jwk.kid, 'key-1');
      assert.deepEqual(jwkToCoseKey(jwk), k);
      const { kid: _kid, alg: _alg, d: _d, ...pub } = jwk;
      const exported = createPublicKey({ key: pub as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ format: 'jwk' });
      assert.deepEqual(exported, pub);
    }
  });

  it('keeps a binary kid as base64url', () => {
    const k: CoseKey = { kty: 1, crv: 6, x: new Uint8Array(32), kid: Uint8Array.of(0xff, 0xfe) };
    assert.equal(coseKeyToJwk(k).kid, '__4');
  });

  it('refuses unsupported or malformed JWKs', () => {
    throwsCode(() => jwkToCoseKey({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }), 'ERR_COSE_BAD_KEY');
    throwsCode(() => jwkToCoseKey({ kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' }), 'ERR_COSE_BAD_KEY');
    throwsCode(() => jwkToCoseKey({ kty: 'OKP', crv: 'X25519', x: 'AA' }), 'ERR_COSE_BAD_KEY');
    throwsCode(() => jwkToCoseKey({ kty: 'OKP', crv: 'Ed25519', x: 'not base64url!' }), 'ERR_COSE_BAD_KEY');
    throwsCode(() => jwkToCoseKey({ kty: 'OKP', crv: 'Ed25519' }), 'ERR_COSE_BAD_KEY');
    throwsCode(() => jwkToCoseKey({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }), 'ERR_COSE_BAD_KEY');
    throwsCode(() => jwkToCoseKey({ kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), alg: 'toString' }), 'ERR_COSE_BAD_KEY');
  });
});

describe('publicKeyFromCertificate', () => {
  it('reads the P-256 key of a DER certificate', () => {
    const k = publicKeyFromCertificate(fromHex(CERT_DER));
    assert.equal(k.kty, 2);
    assert.equal(k.crv, 1);
    assert.equal(toHex(k.x), CERT_X);
    assert.equal(toHex(k.y!), CERT_Y);
  });

  it('refuses bytes that are not a certificate', () => {
    throwsCode(() => publicKeyFromCertificate(fromHex(CERT_DER).subarray(0, 100)), 'ERR_COSE_BAD_KEY');
    throwsCode(() => publicKeyFromCertificate(new Uint8Array(0)), 'ERR_COSE_BAD_KEY');
  });
});
