/**
 * COSE_Key ↔ JWK (RFC 7517/7518, RFC 8037 for OKP). JWK `kid` is a string: the COSE kid bytes
 * are read as UTF-8 (how the COSE WG examples map "11" to h'3131'); a kid that is not valid
 * UTF-8 becomes its base64url form on the way out.
 */
import { fromBase64Url, toBase64Url, utf8Decoder, utf8Encoder } from './bytes.js';
import { algName, curveByName, curveById, KeyType } from './cose.algorithms.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { Alg } from './cose.headers.js';
import { checkCoseKey, type CoseKey } from './cose-key.codec.js';

/** The JWK members this library reads and writes (others are ignored on input). */
export interface JsonWebKey {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  kid?: string;
  alg?: string;
  [member: string]: unknown;
}

function badJwk(why: string, cause?: unknown): never {
  throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't convert JWK: ${why}`, cause === undefined ? undefined : { cause });
}

/**
 * A COSE_Key as a JWK (private members included when present).
 *
 * @example
 *   coseKeyToJwk(publicKey(k)) // { kty: 'EC', crv: 'P-256', x: '…', y: '…' }
 */
export function coseKeyToJwk(k: CoseKey): JsonWebKey {
  checkCoseKey(k);
  const curve = curveById(k.crv)!;
  const j: JsonWebKey = { kty: k.kty === KeyType.EC2 ? 'EC' : 'OKP', crv: curve.name, x: toBase64Url(k.x) };
  if (k.y) j.y = toBase64Url(k.y);
  if (k.d) j.d = toBase64Url(k.d);
  if (k.kid) {
    try {
      j.kid = utf8Decoder.decode(k.kid);
    } catch {
      j.kid = toBase64Url(k.kid);
    }
  }
  if (k.alg !== undefined) j.alg = algName(k.alg);
  return j;
}

/**
 * A JWK (kty EC with P-256/P-384/P-521, or OKP with Ed25519/Ed448) as a COSE_Key.
 *
 * @throws CoseError ERR_COSE_BAD_KEY
 */
export function jwkToCoseKey(j: JsonWebKey): CoseKey {
  const kty = j.kty === 'EC' ? KeyType.EC2 : j.kty === 'OKP' ? KeyType.OKP : badJwk(`kty ${String(j.kty)} is not supported`);
  const curve = typeof j.crv === 'string' ? curveByName(j.crv) : undefined;
  if (!curve || curve.kty !== kty) badJwk(`crv ${String(j.crv)} is not supported for kty ${String(j.kty)}`);
  const b64 = (name: 'x' | 'y' | 'd'): Uint8Array | undefined => {
    const v = j[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') badJwk(`${name} must be a base64url string`);
    try {
      return fromBase64Url(v);
    } catch (e) {
      return badJwk(`${name} is not base64url`, e);
    }
  };
  const x = b64('x');
  if (!x) badJwk('x is missing');
  const k: CoseKey = { kty, crv: curve.crv, x };
  const y = b64('y');
  const d = b64('d');
  if (y) k.y = y;
  if (d) k.d = d;
  if (j.kid !== undefined) {
    if (typeof j.kid !== 'string') badJwk('kid must be a string');
    k.kid = utf8Encoder.encode(j.kid);
  }
  if (j.alg !== undefined) {
    if (typeof j.alg !== 'string' || !Object.hasOwn(Alg, j.alg)) badJwk(`alg ${String(j.alg)} is not supported`);
    k.alg = (Alg as Record<string, number>)[j.alg]!;
  }
  return checkCoseKey(k);
}
