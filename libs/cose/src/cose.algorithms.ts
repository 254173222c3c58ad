/**
 * Which key fits which algorithm (RFC 9053 §2): ES256 ↔ EC2 P-256, ES384 ↔ EC2 P-384,
 * ES512 ↔ EC2 P-521, EdDSA ↔ OKP Ed25519 or Ed448. Anything else is rejected.
 */
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { Alg } from './cose.headers.js';

/** COSE key types (RFC 9053 §7). */
export const KeyType = { OKP: 1, EC2: 2 } as const;
/** COSE elliptic curves (RFC 9053 §7.1). */
export const Curve = { P256: 1, P384: 2, P521: 3, Ed25519: 6, Ed448: 7 } as const;

/** What this library knows about a curve. */
export interface CurveInfo {
  readonly crv: number;
  readonly kty: 1 | 2;
  /** JWK / Node name. */
  readonly name: 'P-256' | 'P-384' | 'P-521' | 'Ed25519' | 'Ed448';
  /** Bytes of a coordinate (x, y) and of the private scalar d. */
  readonly size: number;
  /** The algorithm that goes with it. */
  readonly alg: number;
  /** Hash for ECDSA (none for EdDSA). */
  readonly hash?: 'sha256' | 'sha384' | 'sha512';
  /** Signature length in bytes (r‖s for ECDSA). */
  readonly sigSize: number;
}

const CURVES: readonly CurveInfo[] = [
  { crv: Curve.P256, kty: KeyType.EC2, name: 'P-256', size: 32, alg: Alg.ES256, hash: 'sha256', sigSize: 64 },
  { crv: Curve.P384, kty: KeyType.EC2, name: 'P-384', size: 48, alg: Alg.ES384, hash: 'sha384', sigSize: 96 },
  { crv: Curve.P521, kty: KeyType.EC2, name: 'P-521', size: 66, alg: Alg.ES512, hash: 'sha512', sigSize: 132 },
  { crv: Curve.Ed25519, kty: KeyType.OKP, name: 'Ed25519', size: 32, alg: Alg.EdDSA, sigSize: 64 },
  { crv: Curve.Ed448, kty: KeyType.OKP, name: 'Ed448', size: 57, alg: Alg.EdDSA, sigSize: 114 },
];

/** The curve with COSE id `crv`, or undefined. */
export function curveById(crv: number): CurveInfo | undefined {
  return CURVES.find((c) => c.crv === crv);
}

/** The curve with JWK name `name`, or undefined. */
export function curveByName(name: string): CurveInfo | undefined {
  return CURVES.find((c) => c.name === name);
}

/** Whether this library signs and verifies with `alg`. */
export function isSupportedAlg(alg: number): boolean {
  return CURVES.some((c) => c.alg === alg);
}

/** The text name of an algorithm id (for messages and JWK). */
export function algName(alg: number): string {
  const e = Object.entries(Alg).find(([, v]) => v === alg);
  return e ? e[0] : String(alg);
}

/** The minimal key shape the algorithm check needs (structurally a {@link CoseKey}). */
interface KeyLike {
  kty: number;
  crv: number;
  alg?: number;
  d?: Uint8Array;
}

/**
 * Checks that `key` may be used with `alg`, and returns its curve.
 *
 * @throws CoseError ERR_COSE_UNKNOWN_ALG (alg not supported), ERR_COSE_BAD_KEY (kty/crv/alg mismatch,
 *   or no private key when `needPrivate`)
 */
export function curveForAlg(alg: number, key: KeyLike, needPrivate = false): CurveInfo {
  if (!isSupportedAlg(alg)) throw new CoseError(CoseErrorCode.CoseUnknownAlg, `couldn't use algorithm ${alg}: not supported (ES256 -7, ES384 -35, ES512 -36, EdDSA -8)`);
  const curve = curveById(key.crv);
  if (!curve || curve.kty !== key.kty) throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't use key: kty ${key.kty} with crv ${key.crv} is not supported`);
  if (curve.alg !== alg) throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't use a ${curve.name} key with ${algName(alg)}: the curve does not fit the algorithm`);
  if (key.alg !== undefined && key.alg !== alg) throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't use key: it is restricted to ${algName(key.alg)}, not ${algName(alg)}`);
  if (needPrivate && !key.d) throw new CoseError(CoseErrorCode.CoseBadKey, "couldn't sign: the key has no private part (d)");
  return curve;
}

/** The curve a fresh key for `alg` uses (EdDSA → Ed25519). */
export function defaultCurve(alg: number): number {
  switch (alg) {
    case Alg.ES256:
      return Curve.P256;
    case Alg.ES384:
      return Curve.P384;
    case Alg.ES512:
      return Curve.P521;
    case Alg.EdDSA:
      return Curve.Ed25519;
    default:
      throw new CoseError(CoseErrorCode.CoseUnknownAlg, `couldn't generate a key for algorithm ${alg}: not supported`);
  }
}
