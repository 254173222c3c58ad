/**
 * Signed statements (RFC 9943) about collections: attached payloads or hash envelopes
 * (draft-ietf-cose-hash-envelope: 258/259/260), identified by kid or x5chain; revocation
 * statements (libs/ledger revocation format). Also reads back what a statement says.
 */
import { createHash } from 'node:crypto';
import {
  Alg,
  CwtClaim,
  getCwtClaims,
  HeaderLabel,
  isHashEnvelope,
  payloadContentType,
  signSign1,
  toHex,
  x5chainOf,
  type CoseSign1,
  type HeaderMap,
} from '../../cose/src/index.js';
import { REVOCATION_CONTENT_TYPE, SUPERSEDES_HEADER_LABEL } from '../../ledger/src/index.js';
import type { LoadedKey } from './key.files.js';

/** COSE hash algorithm ids for label 258 (RFC 9054). */
export const HashAlg = { SHA256: -16, SHA384: -43, SHA512: -44 } as const;
const HASH_NAMES: Record<number, string> = { [-16]: 'sha256', [-43]: 'sha384', [-44]: 'sha512' };

/** `ES256` for -7 etc. */
export function algLabel(alg: number): string {
  return alg === Alg.ES256 ? 'ES256' : alg === Alg.ES384 ? 'ES384' : alg === Alg.ES512 ? 'ES512' : alg === Alg.EdDSA ? 'EdDSA' : String(alg);
}

/** Inputs of {@link buildStatement}. */
export interface StatementInput {
  key: LoadedKey;
  /** CWT `iss`. */
  issuer: string;
  /** CWT `sub`: for a claim about a collection, `registry/repo@sha256:…`. */
  subject: string;
  payload: Uint8Array;
  /** Media type of the payload (label 3), or of the preimage for a hash envelope (259). */
  contentType: string;
  /** Sign `SHA-256(payload)` as a hash envelope instead of the payload itself. */
  hashEnvelope?: boolean;
  /** Where the preimage can be fetched (260, hash envelopes only). */
  location?: string;
  /** Identify the key by this certificate chain (leaf first, DER) instead of by kid. */
  x5chain?: Uint8Array[];
  /** CWT `iat` in seconds. */
  iat?: number;
  /** The entry this statement supersedes (protected label -65537, docs/revocation.md#supersession). */
  supersedes?: string;
}

/**
 * Signs a statement: protected header `{1: alg, 3 | 258+259(+260), 4: kid | 33: x5chain, 15: {1: iss, 2: sub, 6: iat}}`.
 * @example
 *   const s = await buildStatement({ key, issuer: 'https://vendor.example', subject: 'r.example/app@sha256:…',
 *     payload: sbom, contentType: 'application/spdx+json', hashEnvelope: true });
 */
export async function buildStatement(i: StatementInput): Promise<Uint8Array> {
  const h: HeaderMap = new Map<number | string, unknown>([[HeaderLabel.alg, i.key.alg]]);
  let payload = i.payload;
  if (i.hashEnvelope) {
    payload = new Uint8Array(createHash('sha256').update(i.payload).digest());
    h.set(HeaderLabel.payloadHashAlg, HashAlg.SHA256);
    h.set(HeaderLabel.preimageContentType, i.contentType);
    if (i.location) h.set(HeaderLabel.payloadLocation, i.location);
  } else {
    h.set(HeaderLabel.contentType, i.contentType);
  }
  if (i.x5chain && i.x5chain.length > 0) h.set(HeaderLabel.x5chain, i.x5chain.length === 1 ? i.x5chain[0] : i.x5chain);
  else h.set(HeaderLabel.kid, i.key.kid);
  const claims = new Map<number, unknown>([[CwtClaim.iss, i.issuer], [CwtClaim.sub, i.subject]]);
  if (i.iat !== undefined) claims.set(CwtClaim.iat, i.iat);
  h.set(HeaderLabel.cwtClaims, claims);
  if (i.supersedes !== undefined) h.set(SUPERSEDES_HEADER_LABEL, i.supersedes);
  return signSign1({ protectedHeader: h, payload, key: i.key.key });
}

/** The revocation payload `{"revokes": […], "reason": "…"}` as UTF-8 JSON. */
export function revocationPayload(revokes: readonly string[], reason: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ revokes, reason }));
}

/** Builds a revocation statement (content type {@link REVOCATION_CONTENT_TYPE}, attached JSON payload). */
export function buildRevocation(i: Omit<StatementInput, 'payload' | 'contentType' | 'hashEnvelope' | 'location'> & { revokes: readonly string[]; reason: string }): Promise<Uint8Array> {
  return buildStatement({ ...i, payload: revocationPayload(i.revokes, i.reason), contentType: REVOCATION_CONTENT_TYPE });
}

/** What a statement's protected header says, for reports. */
export interface StatementFacts {
  iss?: string;
  sub?: string;
  /** The payload's media type: label 3, or 259 for a hash envelope. */
  contentType?: string;
  hashEnvelope?: { alg: string; digest?: string; location?: string };
  kid?: string;
  x5chain?: Uint8Array[];
  alg?: string;
  /** The entry it names as superseded (label -65537), when it is a 64-hex text string. */
  supersedes?: string;
}

/**
 * Reads the facts of a decoded statement (no verification). Content type and x5chain are read as
 * the ledger reads them (libs/cose `payloadContentType`, `x5chainOf`).
 * @throws CoseError when a header the ledger would refuse is malformed (CWT claims, content type,
 *   a hash envelope with label 3, x5chain)
 */
export function statementFacts(s: CoseSign1): StatementFacts {
  const p = s.protectedHeader;
  const claims = getCwtClaims(p);
  const f: StatementFacts = {};
  if (claims.iss !== undefined) f.iss = claims.iss;
  if (claims.sub !== undefined) f.sub = claims.sub;
  const alg = p.get(HeaderLabel.alg);
  if (typeof alg === 'number') f.alg = algLabel(alg);
  const contentType = payloadContentType(p);
  if (contentType !== undefined) f.contentType = contentType;
  if (isHashEnvelope(p)) {
    const hashAlg = p.get(HeaderLabel.payloadHashAlg);
    const loc = p.get(HeaderLabel.payloadLocation);
    f.hashEnvelope = {
      alg: typeof hashAlg === 'number' ? (HASH_NAMES[hashAlg] ?? String(hashAlg)) : String(hashAlg),
      ...(s.payload ? { digest: toHex(s.payload) } : {}),
      ...(typeof loc === 'string' ? { location: loc } : {}),
    };
  }
  const kid = p.get(HeaderLabel.kid);
  if (kid instanceof Uint8Array) f.kid = toHex(kid);
  const sup = p.get(SUPERSEDES_HEADER_LABEL);
  if (typeof sup === 'string' && /^[0-9a-f]{64}$/.test(sup)) f.supersedes = sup;
  const x5chain = x5chainOf(p);
  if (x5chain) f.x5chain = x5chain;
  return f;
}
