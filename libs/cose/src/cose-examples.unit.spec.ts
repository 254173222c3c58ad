/**
 * The COSE WG examples (cose-wg/Examples, in test/vectors/cose-examples): every Sign1 example
 * is decoded, its Sig_structure compared, its signature verified with both backends, and re-signed
 * (EdDSA is deterministic: same bytes; ECDSA is randomized: verify only). Failure examples must
 * fail with the stated code. Non-Sign1 examples (COSE_Sign, MAC0, Encrypt0) must be refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR, vectorsSkip } from '../../../test/support/vectors.js';
import {
  CoseError,
  decodeSign1,
  encodeCbor,
  fromHex,
  jwkToCoseKey,
  nobleBackend,
  nodeCryptoBackend,
  publicKey,
  sigStructure1,
  signSign1,
  toBase64Url,
  toHex,
  verifySign1,
  type CoseKey,
  type JsonWebKey,
} from './index.js';

interface Example {
  title: string;
  fail?: boolean;
  input: { plaintext?: string; plaintext_hex?: string; sign0?: { key: Record<string, string>; external?: string } };
  intermediates?: { ToBeSign_hex?: string };
  output: { cbor: string };
}

/** The expected outcome of each failure example, from its "failures" description. */
const EXPECTED_FAILURE: Record<string, string> = {
  'sign-fail-01.json': 'ERR_COSE_NOT_SIGN1', // tag 998 instead of 18
  'sign-fail-02.json': 'ERR_COSE_SIGNATURE_INVALID', // payload changed
  'sign-fail-03.json': 'ERR_COSE_UNKNOWN_ALG', // alg -999
  'sign-fail-04.json': 'ERR_COSE_UNKNOWN_ALG', // alg "unknown"
  'sign-fail-06.json': 'ERR_COSE_SIGNATURE_INVALID', // protected attribute added
  'sign-fail-07.json': 'ERR_COSE_SIGNATURE_INVALID', // protected attribute removed
};

/**
 * Examples that pass in the WG corpus but that this library refuses on purpose.
 * ecdsa-sig-04 signs ES512 (SHA-512) with a P-256 key; RFC 9053 §2.1 pairs ES512 with P-521
 * and our backends reject curve/alg mismatches (ERR_COSE_BAD_KEY) so that an unprotected or
 * forged alg cannot move a key to another algorithm.
 */
const REFUSED_ON_PURPOSE: Record<string, string> = { 'ecdsa-sig-04.json': 'ERR_COSE_BAD_KEY' };

function keyFromExample(k: Record<string, string>): CoseKey {
  const jwk: JsonWebKey = { kty: k.kty, crv: k.crv, kid: k.kid };
  for (const n of ['x', 'y', 'd'] as const) {
    if (k[n]) jwk[n] = k[n];
    else if (k[`${n}_hex`]) jwk[n] = toBase64Url(fromHex(k[`${n}_hex`]!));
  }
  return jwkToCoseKey(jwk);
}

function plaintext(v: Example): Uint8Array {
  return v.input.plaintext_hex ? fromHex(v.input.plaintext_hex) : new TextEncoder().encode(v.input.plaintext ?? '');
}

const root = join(VECTORS_DIR, 'cose-examples');
const skip = vectorsSkip('cose-examples');
const files = skip ? [] : ['sign1-tests', 'ecdsa-examples', 'eddsa-examples', 'CWT'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.json')).map((f) => join(d, f)));

describe('COSE WG examples', { skip }, () => {
  it('finds the example files', () => assert.ok(files.length >= 20, `only ${files.length} files`));

  for (const file of files) {
    const name = file.split('/').pop()!;
    const v = JSON.parse(readFileSync(join(root, file), 'utf8')) as Example;
    const bytes = fromHex(v.output.cbor);
    const sign0 = v.input.sign0;

    if (!sign0) {
      it(`${file}: not a COSE_Sign1 (${v.title}), so decodeSign1 refuses it`, () => {
        assert.throws(() => decodeSign1(bytes), (e: unknown) => e instanceof CoseError && e.code === 'ERR_COSE_NOT_SIGN1');
      });
      continue;
    }

    const key = keyFromExample(sign0.key);
    const externalAad = sign0.external ? fromHex(sign0.external) : undefined;
    const expectedCode = EXPECTED_FAILURE[name] ?? REFUSED_ON_PURPOSE[name];

    if (expectedCode) {
      for (const backend of [nodeCryptoBackend, nobleBackend]) {
        it(`${file}: ${v.title} → ${expectedCode} (${backend.name})`, async () => {
          await assert.rejects(
            (async () => verifySign1(decodeSign1(bytes), publicKey(key), { backend, externalAad }))(),
            (e: unknown) => e instanceof CoseError && e.code === expectedCode,
          );
        });
      }
      continue;
    }

    it(`${file}: ${v.title}: decodes and rebuilds the Sig_structure`, () => {
      const msg = decodeSign1(bytes);
      assert.deepEqual(msg.payload, plaintext(v));
      if (v.intermediates?.ToBeSign_hex) {
        assert.equal(toHex(sigStructure1(msg.protectedBytes, externalAad ?? new Uint8Array(0), msg.payload!)), v.intermediates.ToBeSign_hex.toLowerCase());
      }
      if (msg.protectedHeader.size > 0) assert.equal(toHex(encodeCbor(msg.protectedHeader)), toHex(msg.protectedBytes), 'protected header is deterministic');
    });

    for (const backend of [nodeCryptoBackend, nobleBackend]) {
      it(`${file}: verifies (${backend.name})`, async () => {
        await verifySign1(decodeSign1(bytes), publicKey(key), { backend, externalAad });
      });

      it(`${file}: re-signs (${backend.name})`, async (t) => {
        const msg = decodeSign1(bytes);
        if (msg.protectedHeader.size === 0) return t.skip('alg is unprotected here; signSign1 always puts alg in the protected header');
        const out = await signSign1({
          protectedHeader: msg.protectedHeader,
          unprotectedHeader: msg.unprotectedHeader,
          payload: msg.payload!,
          key,
          backend,
          externalAad,
          tagged: msg.tagged,
        });
        if (key.kty === 1) assert.equal(toHex(out), toHex(bytes), 'EdDSA is deterministic: same bytes');
        for (const b of [nodeCryptoBackend, nobleBackend]) await verifySign1(decodeSign1(out), publicKey(key), { backend: b, externalAad });
      });
    }
  }
});
