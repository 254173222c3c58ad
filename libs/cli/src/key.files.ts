/**
 * Issuer keys on disk: read a private or public key from PEM (PKCS#8, SEC1, SPKI, or a
 * certificate), JWK (JSON) or COSE_Key (CBOR); write one in any of those; certificates (PEM/DER).
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import {
  Alg,
  Curve,
  coseKeyThumbprint,
  coseKeyToJwk,
  decodeCoseKey,
  encodeCoseKey,
  jwkToCoseKey,
  publicKey,
  type CoseKey,
  type JsonWebKey,
} from '../../cose/src/index.js';
import { badInput, usage } from './cli.errors.js';
import { certificateFromDer, certificatesFrom, looksLike, readInput, sniff } from './input.sniff.js';

/** Key serialisations the CLI reads and writes. */
export type KeyFormat = 'pem' | 'jwk' | 'cose';
export const KEY_FORMATS: readonly KeyFormat[] = ['pem', 'jwk', 'cose'];

/** Algorithms `scitt key generate` offers (COSE ids). */
export const KEY_ALGS: Readonly<Record<string, number>> = { ES256: Alg.ES256, ES384: Alg.ES384, Ed25519: Alg.EdDSA, EdDSA: Alg.EdDSA };

/** A key as the CLI uses it: the COSE_Key (alg set), its RFC 9679 kid, where it came from. */
export interface LoadedKey {
  key: CoseKey;
  alg: number;
  kid: Uint8Array;
  /** The certificate the key came from, when it did (DER). */
  certificate?: Uint8Array;
  source: string;
}

export { readInput } from './input.sniff.js';

/** The COSE algorithm a key's curve implies (ES256 for P-256, ES384 for P-384, EdDSA for Ed25519). */
export function algForKey(k: CoseKey): number {
  if (k.alg !== undefined) return k.alg;
  if (k.crv === Curve.P256) return Alg.ES256;
  if (k.crv === Curve.P384) return Alg.ES384;
  if (k.crv === Curve.Ed25519) return Alg.EdDSA;
  throw badInput(`couldn't use the key: curve ${k.crv} is not supported (P-256, P-384, Ed25519)`);
}

function fromKeyObject(ko: KeyObject): CoseKey {
  return jwkToCoseKey(ko.export({ format: 'jwk' }) as JsonWebKey);
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * Parses a key from bytes in any supported format. Private keys keep `d`; a certificate gives
 * its public key (and `certificate`).
 */
export function parseKey(bytes: Uint8Array, source: string): LoadedKey {
  let key: CoseKey;
  let certificate: Uint8Array | undefined;
  const kind = sniff(bytes);
  const fail = (why: string, e?: unknown): never => {
    throw badInput(`couldn't read key ${source}: ${why}`, e);
  };
  if (kind === 'pem' && /^\s*-----BEGIN CERTIFICATE-----/.test(text(bytes.subarray(0, 64)))) {
    certificate = certificatesFrom(bytes, source)[0]!;
    key = fromKeyObject(new X509Certificate(certificate).publicKey);
  } else if (kind === 'der') {
    certificate = new Uint8Array(certificateFromDer(bytes, `key ${source}`).raw);
    key = fromKeyObject(new X509Certificate(certificate).publicKey);
  } else if (kind === 'pem') {
    const pem = text(bytes);
    const type = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1] ?? '';
    if (!/^(EC |ENCRYPTED )?PRIVATE KEY$|^PUBLIC KEY$/.test(type)) fail(`it holds a PEM ${type}, not a key (PRIVATE KEY, EC PRIVATE KEY, PUBLIC KEY) or CERTIFICATE`);
    if (type === 'ENCRYPTED PRIVATE KEY') fail('the private key is encrypted: give an unencrypted PEM key (as `scitt key generate` writes)');
    if (!pem.includes(`-----END ${type}-----`)) fail(`the PEM ${type} block has no END line (truncated?)`);
    try {
      key = fromKeyObject(/PRIVATE KEY/.test(type) ? createPrivateKey(pem) : createPublicKey(pem));
    } catch (e) {
      return fail(`the PEM ${type} is damaged, or holds a key type this tool doesn't support (P-256, P-384, Ed25519)`, e);
    }
  } else if (kind === 'json') {
    let jwk: JsonWebKey;
    try {
      jwk = JSON.parse(text(bytes)) as JsonWebKey;
    } catch (e) {
      return fail('it starts like JSON but is not valid JSON', e);
    }
    try {
      key = jwkToCoseKey(jwk);
    } catch (e) {
      return fail(`not a JWK this tool supports: ${(e as Error).message}`, e);
    }
  } else if (kind === 'cbor' || kind === 'cose-sign1') {
    try {
      key = decodeCoseKey(bytes);
    } catch (e) {
      return fail(`not a COSE_Key: ${(e as Error).message}`, e);
    }
  } else {
    return fail(`not a PEM, JWK, COSE_Key or certificate (${looksLike(bytes)})`);
  }
  const alg = algForKey(key);
  return { key: { ...key, alg }, alg, kid: coseKeyThumbprint(key), ...(certificate ? { certificate } : {}), source };
}

/** Reads a key file (see {@link parseKey}). */
export function loadKey(path: string): LoadedKey {
  return parseKey(readInput(path, 'key'), path);
}

/** Reads a private key file; a public key is a usage error. */
export function loadPrivateKey(path: string): LoadedKey {
  const k = loadKey(path);
  if (!k.key.d) throw usage(`couldn't sign with ${path}: it holds a public key (give the private key made by \`scitt key generate\`)`);
  return k;
}

/** The node KeyObject of a COSE key (private when it has `d`). */
export function keyObjectOf(k: CoseKey): KeyObject {
  const { kid: _kid, alg: _alg, ...jwk } = coseKeyToJwk(k);
  return k.d ? createPrivateKey({ key: jwk as never, format: 'jwk' }) : createPublicKey({ key: jwk as never, format: 'jwk' });
}

/** Serialises a key: PEM (PKCS#8 / SPKI), JWK (JSON, with `kid` = the thumbprint in base64url), or COSE_Key (CBOR, with `kid`). */
export function formatKey(k: LoadedKey, format: KeyFormat, includePrivate: boolean): Uint8Array {
  const key = includePrivate ? k.key : publicKey(k.key);
  if (format === 'cose') return encodeCoseKey({ ...key, kid: k.kid });
  if (format === 'jwk') {
    const jwk = coseKeyToJwk({ ...key, kid: undefined });
    return new TextEncoder().encode(JSON.stringify({ ...jwk, kid: Buffer.from(k.kid).toString('base64url') }, null, 2) + '\n');
  }
  const ko = keyObjectOf(key);
  const pem = key.d ? ko.export({ type: 'pkcs8', format: 'pem' }) : ko.export({ type: 'spki', format: 'pem' });
  return new TextEncoder().encode(String(pem));
}

/** DER → PEM certificate text. */
export function certificatePem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/** Reads every certificate of a PEM file (or one DER certificate), in file order, as DER. */
export function loadCertificates(path: string): Uint8Array[] {
  return certificatesFrom(readInput(path, 'certificate file'), path);
}
