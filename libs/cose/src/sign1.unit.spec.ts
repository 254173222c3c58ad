import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Alg,
  CoseError,
  CwtClaim,
  decodeSign1,
  encodeSign1,
  fromHex,
  getAlg,
  getCwtClaims,
  HeaderLabel,
  jwkToCoseKey,
  nobleBackend,
  nodeCryptoBackend,
  publicKey,
  sigStructure1,
  signSign1,
  toHex,
  verifySign1,
  type CoseKey,
  type HeaderMap,
} from './index.js';

// Embedded facts from the COSE WG examples (cose-wg/Examples), so the suite proves the algorithms
// on their own, next to the full corpus in test/vectors/cose-examples.
// ecdsa-examples/ecdsa-sig-01.json: ES256, protected {1: -7, 3: 0}, unprotected {4: '11'}.
const ES256_KEY: CoseKey = jwkToCoseKey({
  kty: 'EC',
  crv: 'P-256',
  kid: '11',
  x: 'usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8',
  y: 'IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4',
  d: 'V8kgd2ZBRuh2dgyVINBUqpPDr7BOMGcF22CQMIUHtNM',
});
const ES256_MSG =
  'd28445a201260300a10442313154546869732069732074686520636f6e74656e742e58406520bbaf2081d7e0ed0f95f76eb0733d667005f7467cec4b87b9381a6ba1ede8e00df29f32a37230f39a842a54821fdd223092819d7728efb9d3a0080b75380b';
const ES256_TBS = '846a5369676e61747572653145a2012603004054546869732069732074686520636f6e74656e742e';
// eddsa-examples/eddsa-sig-01.json: EdDSA (Ed25519, RFC 8032 test key 1), deterministic signature.
const ED25519_KEY: CoseKey = {
  kty: 1,
  crv: 6,
  kid: new TextEncoder().encode('11'),
  x: fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
  d: fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
};
const ED25519_MSG =
  'd28445a201270300a10442313154546869732069732074686520636f6e74656e742e58407142fd2ff96d56db85bee905a76ba1d0b7321a95c8c4d3607c5781932b7afb8711497dfa751bf40b58b3bcc32300b1487f3db34085eef013bf08f4a44d6fef0d';
const CONTENT = new TextEncoder().encode('This is the content.');

const backends = [nodeCryptoBackend, nobleBackend];

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof CoseError && e.code === code);
}

describe('COSE_Sign1 with the embedded COSE WG facts', () => {
  it('decodes the ES256 example into its parts', () => {
    const msg = decodeSign1(fromHex(ES256_MSG));
    assert.equal(msg.tagged, true);
    assert.equal(toHex(msg.protectedBytes), 'a201260300');
    assert.deepEqual([...msg.protectedHeader], [[1, -7], [3, 0]]);
    assert.deepEqual([...msg.unprotectedHeader], [[4, new TextEncoder().encode('11')]]);
    assert.deepEqual(msg.payload, CONTENT);
    assert.equal(msg.signature.length, 64);
    assert.equal(getAlg(msg.protectedHeader), Alg.ES256);
    assert.equal(toHex(sigStructure1(msg.protectedBytes, new Uint8Array(0), msg.payload!)), ES256_TBS);
  });

  it('re-encodes the examples byte for byte', () => {
    for (const hex of [ES256_MSG, ED25519_MSG]) assert.equal(toHex(encodeSign1(decodeSign1(fromHex(hex)))), hex);
  });

  for (const backend of backends) {
    it(`verifies the ES256 and EdDSA examples (${backend.name})`, async () => {
      await verifySign1(decodeSign1(fromHex(ES256_MSG)), publicKey(ES256_KEY), { backend });
      await verifySign1(decodeSign1(fromHex(ED25519_MSG)), publicKey(ED25519_KEY), { backend });
    });

    it(`re-signs the EdDSA example to the same bytes (${backend.name})`, async () => {
      const out = await signSign1({
        protectedHeader: new Map([[1, Alg.EdDSA], [3, 0]]),
        unprotectedHeader: new Map([[4, new TextEncoder().encode('11')]]),
        payload: CONTENT,
        key: ED25519_KEY,
        backend,
      });
      assert.equal(toHex(out), ED25519_MSG);
    });

    it(`re-signs ES256 (randomized: checks verify, not bytes) (${backend.name})`, async () => {
      const out = await signSign1({ protectedHeader: new Map([[1, Alg.ES256], [3, 0]]), payload: CONTENT, key: ES256_KEY, backend });
      const msg = decodeSign1(out);
      assert.equal(toHex(msg.protectedBytes), 'a201260300');
      for (const b of backends) await verifySign1(msg, publicKey(ES256_KEY), { backend: b });
    });

    it(`rejects a changed payload, signature, protected header or external AAD (${backend.name})`, async () => {
      const good = fromHex(ES256_MSG);
      const key = publicKey(ES256_KEY);
      const flip = (offset: number) => {
        const b = good.slice();
        b[offset]! ^= 0x01;
        return b;
      };
      await rejects(verifySign1(decodeSign1(flip(good.length - 1)), key, { backend }), 'ERR_COSE_SIGNATURE_INVALID');
      await rejects(verifySign1(decodeSign1(flip(20)), key, { backend }), 'ERR_COSE_SIGNATURE_INVALID'); // payload byte
      await rejects(verifySign1(decodeSign1(flip(7)), key, { backend }), 'ERR_COSE_SIGNATURE_INVALID'); // content type 0 → 1
      await rejects(verifySign1(decodeSign1(good), key, { backend, externalAad: Uint8Array.of(1) }), 'ERR_COSE_SIGNATURE_INVALID');
    });
  }
});

describe('signSign1 / verifySign1', () => {
  const protectedHeader = (alg: number): HeaderMap =>
    new Map<number, unknown>([
      [HeaderLabel.alg, alg],
      [HeaderLabel.kid, Uint8Array.of(1, 2, 3)],
      [HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, 'did:web:issuer.example'], [CwtClaim.sub, 'registry.example/app@sha256:00'], [CwtClaim.iat, 1700000000]])],
    ]);

  for (const alg of [Alg.ES256, Alg.ES384, Alg.ES512, Alg.EdDSA]) {
    it(`signs and verifies alg ${alg}, attached and detached, across backends`, async () => {
      for (const signer of backends) {
        const key = await signer.generateKey(alg);
        const payload = new TextEncoder().encode(`payload for ${alg}`);
        const attached = decodeSign1(await signSign1({ protectedHeader: protectedHeader(alg), payload, key, backend: signer }));
        const detached = decodeSign1(await signSign1({ protectedHeader: protectedHeader(alg), payload, key, backend: signer, detached: true, tagged: false }));
        assert.equal(detached.payload, null);
        assert.equal(detached.tagged, false);
        for (const verifier of backends) {
          await verifySign1(attached, publicKey(key), { backend: verifier });
          await verifySign1(detached, publicKey(key), { backend: verifier, detachedPayload: payload });
          await rejects(verifySign1(detached, publicKey(key), { backend: verifier }), 'ERR_COSE_PAYLOAD_MISSING');
          await rejects(verifySign1(attached, publicKey(key), { backend: verifier, detachedPayload: payload }), 'ERR_COSE_PAYLOAD_CONFLICT');
          await rejects(verifySign1(detached, publicKey(key), { backend: verifier, detachedPayload: Uint8Array.of(0) }), 'ERR_COSE_SIGNATURE_INVALID');
        }
      }
    });
  }

  it('encodes the protected header deterministically and exposes the CWT claims', async () => {
    const h = new Map<number, unknown>([[HeaderLabel.cwtClaims, new Map([[CwtClaim.sub, 's'], [CwtClaim.iss, 'i']])], [HeaderLabel.alg, Alg.ES256]]);
    const msg = decodeSign1(await signSign1({ protectedHeader: h, payload: CONTENT, key: ES256_KEY }));
    assert.equal(toHex(msg.protectedBytes), 'a201260fa2016169026173');
    assert.deepEqual(getCwtClaims(msg.protectedHeader), { 1: 'i', 2: 's', iss: 'i', sub: 's' });
  });

  it('refuses a key that does not fit the algorithm, and unknown algorithms', async () => {
    await rejects(signSign1({ protectedHeader: new Map([[1, Alg.ES384]]), payload: CONTENT, key: ES256_KEY }), 'ERR_COSE_BAD_KEY');
    await rejects(signSign1({ protectedHeader: new Map([[1, Alg.ES256]]), payload: CONTENT, key: publicKey(ES256_KEY) }), 'ERR_COSE_BAD_KEY');
    await rejects(signSign1({ protectedHeader: new Map([[1, -257]]), payload: CONTENT, key: ES256_KEY }), 'ERR_COSE_UNKNOWN_ALG');
    await rejects(signSign1({ protectedHeader: new Map([[3, 0]]), payload: CONTENT, key: ES256_KEY }), 'ERR_COSE_BAD_HEADER');
    const msg = decodeSign1(fromHex(ES256_MSG));
    for (const backend of backends) {
      await rejects(verifySign1(msg, publicKey(ED25519_KEY), { backend }), 'ERR_COSE_BAD_KEY');
      await rejects(verifySign1(msg, { ...publicKey(ES256_KEY), alg: Alg.ES384 }, { backend }), 'ERR_COSE_BAD_KEY');
    }
  });

  it('enforces crit against the labels the caller understands', async () => {
    const h = new Map<number, unknown>([[1, Alg.ES256], [2, [HeaderLabel.payloadHashAlg]], [HeaderLabel.payloadHashAlg, -16]]);
    const msg = decodeSign1(await signSign1({ protectedHeader: h, payload: CONTENT, key: ES256_KEY }));
    await rejects(verifySign1(msg, publicKey(ES256_KEY)), 'ERR_COSE_UNSUPPORTED_CRIT');
    await verifySign1(msg, publicKey(ES256_KEY), { crit: [HeaderLabel.payloadHashAlg] });
  });

  it('takes alg from the unprotected header only when allowed', async () => {
    // sign-pass-01 of the COSE WG examples: protected h'a0', alg unprotected; the Sig_structure uses h''.
    const msg = decodeSign1(
      fromHex('d28441a0a201260442313154546869732069732074686520636f6e74656e742e584087db0d2e5571843b78ac33ecb2830df7b6e0a4d5b7376de336b23c591c90c425317e56127fbe04370097ce347087b233bf722b64072beb4486bda4031d27244f'),
    );
    for (const backend of backends) await verifySign1(msg, publicKey(ES256_KEY), { backend });
    await rejects(verifySign1(msg, publicKey(ES256_KEY), { requireProtectedAlg: true }), 'ERR_COSE_BAD_HEADER');
  });
});
