/**
 * Issuers and signed statements for tests: real keys, real signatures (node:crypto), built with
 * the project's own COSE library — the same bytes a publisher's CI would send.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  Alg,
  CwtClaim,
  HeaderLabel,
  coseKeyThumbprint,
  coseKeyToJwk,
  nodeCryptoBackend,
  publicKey,
  signSign1,
  encodeCbor,
  decodeSign1,
  encodeSign1,
  sigStructure1,
  type CoseKey,
  type HeaderMap,
} from '../../libs/cose/src/index.js';
import { createCertificate } from '../../libs/x509/src/index.js';

export type AlgName = 'ES256' | 'ES384' | 'EdDSA';
export const ALG: Record<AlgName, number> = { ES256: Alg.ES256, ES384: Alg.ES384, EdDSA: Alg.EdDSA };

export interface TestIssuer {
  readonly iss: string;
  readonly alg: number;
  readonly key: CoseKey;
  readonly publicKey: CoseKey;
  readonly kid: Uint8Array;
  readonly jwk: Record<string, unknown>;
  readonly keyObject: KeyObject;
  /** a self-signed certificate of the key (for x5chain statements) */
  readonly certificate: Uint8Array;
}

export async function makeIssuer(iss: string, alg: AlgName = 'ES256'): Promise<TestIssuer> {
  const key = await nodeCryptoBackend.generateKey(ALG[alg]);
  const pub = publicKey(key);
  const kid = coseKeyThumbprint(pub);
  const jwk = coseKeyToJwk(pub) as unknown as Record<string, unknown>;
  const keyObject = createPrivateKey({ key: coseKeyToJwk(key) as never, format: 'jwk' });
  const certificate = createCertificate({ subjectKey: createPublicKey(keyObject), issuerKey: keyObject, subject: new URL(iss).host || 'issuer' });
  return { iss, alg: ALG[alg], key, publicKey: pub, kid, jwk, keyObject, certificate };
}

export interface StatementOptions {
  readonly sub: string;
  readonly payload?: Uint8Array | string;
  readonly contentType?: string | number;
  /** identify the key by x5chain (self-signed certificate) instead of kid */
  readonly x5chain?: Uint8Array | Uint8Array[];
  /** sign a hash envelope (258 = -16 SHA-256, 259 = the preimage content type) */
  readonly hashEnvelope?: boolean;
  readonly detached?: boolean;
  /** extra protected labels (or overrides; `undefined` deletes) */
  readonly protected?: ReadonlyArray<[number | string, unknown]>;
  readonly unprotected?: HeaderMap;
  readonly iss?: string;
}

export async function signStatement(issuer: TestIssuer, o: StatementOptions): Promise<Uint8Array> {
  const payload = typeof o.payload === 'string' ? new TextEncoder().encode(o.payload) : (o.payload ?? new TextEncoder().encode('{"claim":"built by CI"}'));
  const h: HeaderMap = new Map<number | string, unknown>([[HeaderLabel.alg, issuer.alg]]);
  if (o.hashEnvelope) {
    h.set(HeaderLabel.payloadHashAlg, -16);
    h.set(HeaderLabel.preimageContentType, o.contentType ?? 'application/json');
  } else {
    h.set(HeaderLabel.contentType, o.contentType ?? 'application/json');
  }
  if (o.x5chain) h.set(HeaderLabel.x5chain, o.x5chain);
  else h.set(HeaderLabel.kid, issuer.kid);
  h.set(HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, o.iss ?? issuer.iss], [CwtClaim.sub, o.sub]]));
  for (const [k, v] of o.protected ?? []) {
    if (v === undefined) h.delete(k);
    else h.set(k, v);
  }
  return signSign1({ protectedHeader: h, unprotectedHeader: o.unprotected, payload, detached: o.detached, key: issuer.key });
}

export const digestOf = (n: number): string => 'sha256:' + n.toString(16).padStart(64, '0');
export const subjectOf = (n: number, registry = 'registry.example'): string => `${registry}/app@${digestOf(n)}`;

/**
 * Sign with an arbitrary (possibly invalid) protected header, bypassing the library's header
 * checks: for rejection tests that need a real signature over a bad header.
 */
export async function signRaw(issuer: TestIssuer, protectedHeader: HeaderMap, payload: Uint8Array = new TextEncoder().encode('{}'), alg = issuer.alg): Promise<Uint8Array> {
  const protectedBytes = encodeCbor(protectedHeader);
  const signature = await nodeCryptoBackend.sign(alg === issuer.alg ? alg : issuer.alg, issuer.key, sigStructure1(protectedBytes, new Uint8Array(), payload));
  return encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature });
}

/** The standard protected header of {@link signStatement}, as a map to alter. */
export function headerOf(issuer: TestIssuer, sub: string): HeaderMap {
  return new Map<number | string, unknown>([
    [HeaderLabel.alg, issuer.alg],
    [HeaderLabel.contentType, 'application/json'],
    [HeaderLabel.kid, issuer.kid],
    [HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, issuer.iss], [CwtClaim.sub, sub]])],
  ]);
}

/** The group orders of the curves (ECDSA `n`) and Ed25519's `L`, for signature twins. */
const CURVE_ORDER: Record<number, bigint> = {
  [Alg.ES256]: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  [Alg.ES384]: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

const bigOf = (b: Uint8Array): bigint => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
const bytesOf = (n: bigint, len: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => Number((n >> BigInt(8 * (len - 1 - i))) & 0xffn));

/**
 * What anyone can make from a signed statement without the issuer's key: the same protected header
 * and payload with the signature's twin — ECDSA `(r, n − s)`, which verifies as well; for EdDSA
 * `S + L` (little-endian), which a strict verifier (RFC 8032 §5.1.7) refuses. The unprotected
 * header is emptied, as an attacker replaying a transparent statement would.
 */
export function twinOf(statement: Uint8Array, alg: number): Uint8Array {
  const s = decodeSign1(statement);
  const sig = s.signature;
  let twin: Uint8Array;
  if (alg === Alg.EdDSA) {
    const le = sig.slice(32).reverse();
    twin = new Uint8Array([...sig.slice(0, 32), ...bytesOf(bigOf(le) + ED25519_L, 32).reverse()]);
  } else {
    const n = CURVE_ORDER[alg]!;
    const half = sig.length / 2;
    twin = new Uint8Array([...sig.slice(0, half), ...bytesOf(n - bigOf(sig.slice(half)), half)]);
  }
  return encodeSign1({ protectedBytes: s.protectedBytes, unprotectedHeader: new Map(), payload: s.payload, signature: twin });
}
