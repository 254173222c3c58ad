/**
 * The @noble/curves backend (pure JavaScript: runs in browsers and wherever node:crypto is
 * missing; 10–30× slower than node:crypto). ECDSA with `{ lowS: false, prehash: true }`: COSE
 * accepts high-S signatures, which noble rejects by default. EdDSA verifies per RFC 8032
 * (`zip215: false`), as OpenSSL does, so both backends agree.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { concatBytes } from './bytes.js';
import { curveById, curveForAlg, defaultCurve, KeyType, Curve, type CurveInfo } from './cose.algorithms.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { checkCoseKey, type CoseKey } from './cose-key.codec.js';
import type { CryptoBackend } from './crypto.backend.js';

const ECDSA = { [Curve.P256]: p256, [Curve.P384]: p384, [Curve.P521]: p521 } as const;
const EDDSA = { [Curve.Ed25519]: ed25519, [Curve.Ed448]: ed448 } as const;

function ecdsa(curve: CurveInfo) {
  return ECDSA[curve.crv as keyof typeof ECDSA];
}
function eddsa(curve: CurveInfo) {
  return EDDSA[curve.crv as keyof typeof EDDSA];
}

/** Checks the public point once (noble's verify would just answer false for a bad point). */
function publicBytes(curve: CurveInfo, k: CoseKey): Uint8Array {
  try {
    if (curve.kty === KeyType.EC2) {
      const pub = concatBytes(Uint8Array.of(4), k.x, k.y!);
      ecdsa(curve).Point.fromBytes(pub).assertValidity();
      return pub;
    }
    eddsa(curve).Point.fromBytes(k.x);
    return k.x;
  } catch (e) {
    throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't use the ${curve.name} public key: ${(e as Error)?.message}`, { cause: e });
  }
}

/**
 * The @noble/curves backend.
 *
 * @example
 *   await verifySign1(msg, key, { backend: nobleBackend });
 */
export const nobleBackend: CryptoBackend = {
  name: 'noble',
  // sign and verify compute synchronously (no await inside): done with the bytes when they return
  readsInputAtCall: true,
  async sign(alg, key, toBeSigned) {
    const curve = curveForAlg(alg, checkCoseKey(key), true);
    try {
      if (curve.kty === KeyType.EC2) return ecdsa(curve).sign(toBeSigned, key.d!, { lowS: false, prehash: true, format: 'compact' });
      return eddsa(curve).sign(toBeSigned, key.d!);
    } catch (e) {
      throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't sign with @noble/curves: ${(e as Error)?.message}`, { cause: e });
    }
  },
  async verify(alg, key, toBeSigned, signature) {
    const curve = curveForAlg(alg, checkCoseKey(key));
    const pub = publicBytes(curve, key);
    if (signature.length !== curve.sigSize) return false;
    try {
      if (curve.kty === KeyType.EC2) return ecdsa(curve).verify(signature, toBeSigned, pub, { lowS: false, prehash: true, format: 'compact' });
      return eddsa(curve).verify(signature, toBeSigned, pub, { zip215: false });
    } catch {
      return false; // a malformed signature (r or s out of range) does not verify
    }
  },
  async generateKey(alg) {
    const curve = curveById(defaultCurve(alg))!;
    if (curve.kty === KeyType.EC2) {
      const c = ecdsa(curve);
      const { secretKey } = c.keygen();
      const pub = c.getPublicKey(secretKey, false);
      return { kty: KeyType.EC2, crv: curve.crv, x: pub.slice(1, 1 + curve.size), y: pub.slice(1 + curve.size), d: secretKey, alg };
    }
    const { secretKey, publicKey } = eddsa(curve).keygen();
    return { kty: KeyType.OKP, crv: curve.crv, x: publicKey, d: secretKey, alg };
  },
};
