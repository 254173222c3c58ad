/**
 * COSE_Key (RFC 9052 §7) as a plain typed object, its CBOR form, key sets, and the RFC 9679
 * COSE Key Thumbprint. Only OKP (Ed25519, Ed448) and EC2 (P-256, P-384, P-521) keys.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeCbor } from './cbor.decode.js';
import { encodeCbor } from './cbor.encode.js';
import { curveById, KeyType } from './cose.algorithms.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';

/** A COSE_Key: kty 1 = OKP, 2 = EC2; crv 1 = P-256, 2 = P-384, 3 = P-521, 6 = Ed25519, 7 = Ed448. */
export interface CoseKey {
  kty: 1 | 2;
  kid?: Uint8Array;
  alg?: number;
  crv: number;
  x: Uint8Array;
  /** EC2 only (uncompressed points only). */
  y?: Uint8Array;
  /** The private part; absent in public keys. */
  d?: Uint8Array;
}

/** COSE_Key map labels. */
export const KeyLabel = { kty: 1, kid: 2, alg: 3, crv: -1, x: -2, y: -3, d: -4 } as const;

function badKey(why: string, cause?: unknown): never {
  throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't read COSE_Key: ${why}`, cause === undefined ? undefined : { cause });
}

/**
 * Checks a key's shape: known kty/crv pair, coordinate and scalar lengths.
 * Curve membership of the point is checked by the backends when the key is used.
 *
 * @throws CoseError ERR_COSE_BAD_KEY
 */
export function checkCoseKey(k: CoseKey): CoseKey {
  const curve = curveById(k.crv);
  if (k.kty !== KeyType.OKP && k.kty !== KeyType.EC2) badKey(`kty ${String(k.kty)} is not supported (1 OKP, 2 EC2)`);
  if (!curve || curve.kty !== k.kty) badKey(`crv ${String(k.crv)} is not supported for kty ${k.kty}`);
  const len = (name: string, v: unknown) => {
    if (!(v instanceof Uint8Array)) badKey(`${name} must be a bstr`);
    if (v.length !== curve.size) badKey(`${name} of a ${curve.name} key must be ${curve.size} bytes, got ${v.length}`);
  };
  len('x', k.x);
  if (k.kty === KeyType.EC2) len('y', k.y);
  else if (k.y !== undefined) badKey('an OKP key has no y');
  if (k.d !== undefined) len('d', k.d);
  if (k.kid !== undefined && !(k.kid instanceof Uint8Array)) badKey('kid must be a bstr');
  if (k.alg !== undefined && !Number.isSafeInteger(k.alg)) badKey('alg must be an integer');
  return k;
}

/**
 * Reads a COSE_Key from its decoded map. Labels other than kty, kid, alg, crv, x, y, d are ignored.
 *
 * @throws CoseError ERR_COSE_BAD_KEY
 */
export function coseKeyFromMap(m: Map<number, unknown>): CoseKey {
  if (!(m instanceof Map)) badKey('not a map');
  const get = (l: number) => (m as Map<unknown, unknown>).get(l);
  const kty = get(KeyLabel.kty);
  const crv = get(KeyLabel.crv);
  const y = get(KeyLabel.y);
  if (typeof kty !== 'number') badKey('kty (1) must be an integer');
  if (typeof crv !== 'number') badKey('crv (-1) must be an integer');
  if (typeof y === 'boolean') badKey('compressed EC2 points (y as a bool) are not supported');
  const k: CoseKey = { kty: kty as 1 | 2, crv, x: get(KeyLabel.x) as Uint8Array };
  const kid = get(KeyLabel.kid);
  const alg = get(KeyLabel.alg);
  const d = get(KeyLabel.d);
  if (kid !== undefined) k.kid = kid as Uint8Array;
  if (alg !== undefined) {
    if (typeof alg !== 'number') badKey('alg (3) must be an integer');
    k.alg = alg;
  }
  if (y !== undefined) k.y = y as Uint8Array;
  if (d !== undefined) k.d = d as Uint8Array;
  return checkCoseKey(k);
}

/** The COSE_Key map of a key (labels 1, 2, 3, -1, -2, -3, -4 for the members present). */
export function coseKeyToMap(k: CoseKey): Map<number, unknown> {
  const m = new Map<number, unknown>([[KeyLabel.kty, k.kty]]);
  if (k.kid !== undefined) m.set(KeyLabel.kid, k.kid);
  if (k.alg !== undefined) m.set(KeyLabel.alg, k.alg);
  m.set(KeyLabel.crv, k.crv);
  m.set(KeyLabel.x, k.x);
  if (k.y !== undefined) m.set(KeyLabel.y, k.y);
  if (k.d !== undefined) m.set(KeyLabel.d, k.d);
  return m;
}

/**
 * Encodes a COSE_Key deterministically.
 *
 * @example
 *   encodeCoseKey(publicKey(serviceKey)) // a5 01 02 02 58 20 … (kty, kid, crv, x, y)
 */
export function encodeCoseKey(k: CoseKey): Uint8Array {
  return encodeCbor(coseKeyToMap(checkCoseKey(k)));
}

/**
 * Decodes and checks a COSE_Key. Floats are refused anywhere in it (labels, kty, crv, alg are ints).
 *
 * @throws CoseError ERR_CBOR_* (bad CBOR; ERR_CBOR_FLOAT_NOT_ALLOWED for a float), ERR_COSE_BAD_KEY
 */
export function decodeCoseKey(bytes: Uint8Array): CoseKey {
  const m = decodeCbor(bytes, { mapsAsMaps: true, floats: 'reject' });
  if (!(m instanceof Map)) badKey('not a map');
  return coseKeyFromMap(m as Map<number, unknown>);
}

/** The public part of a key (drops d; keeps kid and alg). */
export function publicKey(k: CoseKey): CoseKey {
  const { d: _d, ...pub } = k;
  return pub;
}

/**
 * The RFC 9679 COSE Key Thumbprint: SHA-256 over the deterministic encoding of the required
 * public members only (OKP: kty, crv, x; EC2: kty, crv, x, y). kid, alg and d do not count.
 *
 * @example
 *   const kid = coseKeyThumbprint(serviceKey); // 32 bytes, the service's kid
 */
export function coseKeyThumbprint(k: CoseKey): Uint8Array {
  checkCoseKey(k);
  const m = new Map<number, unknown>([
    [KeyLabel.kty, k.kty],
    [KeyLabel.crv, k.crv],
    [KeyLabel.x, k.x],
  ]);
  if (k.kty === KeyType.EC2) m.set(KeyLabel.y, k.y);
  return sha256(encodeCbor(m));
}

/** Encodes a COSE_KeySet (an array of COSE_Key maps). */
export function encodeCoseKeySet(keys: readonly CoseKey[]): Uint8Array {
  return encodeCbor(keys.map((k) => coseKeyToMap(checkCoseKey(k))));
}

/**
 * Decodes a COSE_KeySet; every member must be a supported key. Floats are refused, as in {@link decodeCoseKey}.
 *
 * @throws CoseError ERR_CBOR_*, ERR_COSE_BAD_KEY
 */
export function decodeCoseKeySet(bytes: Uint8Array): CoseKey[] {
  const arr = decodeCbor(bytes, { mapsAsMaps: true, floats: 'reject' });
  if (!Array.isArray(arr)) badKey('a COSE_KeySet must be an array');
  return arr.map((m, i) => {
    if (!(m instanceof Map)) badKey(`key set member ${i} is not a map`);
    return coseKeyFromMap(m as Map<number, unknown>);
  });
}
