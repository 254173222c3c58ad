/**
 * Issuer keys on disk: read a private or public key from PEM (PKCS#8, SEC1, SPKI, or a
 * certificate), JWK (JSON) or COSE_Key (CBOR); write one in any of those; certificates (PEM/DER).
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** Reads a file, with a one-line error naming it. */
export function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badInput(`couldn't read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`, e);
  }
}

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
  const head = text(bytes.subarray(0, 64)).trimStart();
  try {
    if (head.startsWith('-----BEGIN CERTIFICATE')) {
      const cert = new X509Certificate(text(bytes));
      certificate = new Uint8Array(cert.raw);
      key = fromKeyObject(cert.publicKey);
    } else if (head.startsWith('-----BEGIN')) {
      const pem = text(bytes);
      key = /PRIVATE KEY-----/.test(pem) ? fromKeyObject(createPrivateKey(pem)) : fromKeyObject(createPublicKey(pem));
    } else if (head.startsWith('{')) {
      key = jwkToCoseKey(JSON.parse(text(bytes)) as JsonWebKey);
    } else if (bytes[0] === 0x30) {
      const cert = new X509Certificate(bytes); // DER certificate
      certificate = new Uint8Array(cert.raw);
      key = fromKeyObject(cert.publicKey);
    } else {
      key = decodeCoseKey(bytes);
    }
  } catch (e) {
    throw badInput(`couldn't read key ${source}: not a PEM, JWK, COSE_Key or certificate this tool supports (${(e as Error).message})`, e);
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
  const bytes = readInput(path, 'certificate file');
  const s = text(bytes);
  const blocks = s.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  try {
    if (!blocks) return [new Uint8Array(new X509Certificate(bytes).raw)];
    return blocks.map((b) => new Uint8Array(new X509Certificate(b).raw));
  } catch (e) {
    throw badInput(`couldn't read certificates from ${path}: ${(e as Error).message}`, e);
  }
}
