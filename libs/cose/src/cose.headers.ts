/**
 * COSE header labels, algorithms, and the checks on header maps (RFC 9052 §3, RFC 9597 CWT claims
 * in headers, RFC 9942 receipts, draft-ietf-cose-hash-envelope).
 */
import { Tagged } from './cbor.tagged.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';

/** Header parameter labels used in this project. */
export const HeaderLabel = {
  alg: 1,
  crit: 2,
  contentType: 3,
  kid: 4,
  iv: 5,
  partialIv: 6,
  cwtClaims: 15,
  typ: 16,
  x5chain: 33,
  x5t: 34,
  payloadHashAlg: 258,
  preimageContentType: 259,
  payloadLocation: 260,
  receipts: 394,
  vds: 395,
  vdp: 396,
} as const;

/** CWT claim keys (RFC 8392). */
export const CwtClaim = { iss: 1, sub: 2, aud: 3, exp: 4, nbf: 5, iat: 6, cti: 7 } as const;

/** COSE algorithm identifiers this library signs and verifies with (RFC 9053). */
export const Alg = { ES256: -7, ES384: -35, ES512: -36, EdDSA: -8 } as const;

/** A COSE header map: labels are integers or text strings. */
export type HeaderMap = Map<number | string, unknown>;

/** The CWT claims of header 15 (typed where RFC 8392 fixes the type). */
export interface CwtClaims {
  iss?: string;
  sub?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  cti?: Uint8Array;
  [k: number]: unknown;
}

function bad(why: string): never {
  throw new CoseError(CoseErrorCode.CoseBadHeader, `couldn't accept header: ${why}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isUint = (v: unknown): boolean => isInt(v) && v >= 0;
const isLabel = (v: unknown): v is number | string => isInt(v) || typeof v === 'string';
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

type Check = (v: unknown) => string | undefined;
const want =
  (ok: (v: unknown) => boolean, what: string): Check =>
  (v) =>
    ok(v) ? undefined : what;

/** Value-type rules for well-known labels (anything else is accepted as is). */
const VALUE_RULES = new Map<number, Check>([
  [HeaderLabel.alg, want(isLabel, 'an int or tstr')],
  [HeaderLabel.crit, want((v) => Array.isArray(v) && v.length > 0 && v.every(isLabel), 'a non-empty array of int/tstr labels')],
  [HeaderLabel.contentType, want((v) => isUint(v) || typeof v === 'string', 'a uint or tstr')],
  [HeaderLabel.kid, want(isBytes, 'a bstr')],
  [HeaderLabel.iv, want(isBytes, 'a bstr')],
  [HeaderLabel.partialIv, want(isBytes, 'a bstr')],
  [HeaderLabel.cwtClaims, want((v) => v instanceof Map, 'a map')],
  [HeaderLabel.typ, want((v) => isUint(v) || typeof v === 'string', 'a uint or tstr')],
  [HeaderLabel.x5chain, want((v) => isBytes(v) || (Array.isArray(v) && v.length > 0 && v.every(isBytes)), 'a bstr or a non-empty array of bstr')],
  [HeaderLabel.x5t, want((v) => Array.isArray(v) && v.length === 2 && isLabel(v[0]) && isBytes(v[1]), 'an array [alg, bstr hash]')],
  [HeaderLabel.payloadHashAlg, want(isLabel, 'an int or tstr')],
  [HeaderLabel.preimageContentType, want((v) => isUint(v) || typeof v === 'string', 'a uint or tstr')],
  [HeaderLabel.payloadLocation, want((v) => typeof v === 'string', 'a tstr')],
  [HeaderLabel.receipts, want((v) => Array.isArray(v) && v.every(isBytes), 'an array of bstr')],
  [HeaderLabel.vds, want(isInt, 'an int')],
  [HeaderLabel.vdp, want((v) => v instanceof Map, 'a map')],
]);

/** Labels that may only appear in the protected bucket. */
const PROTECTED_ONLY: ReadonlySet<number> = new Set([HeaderLabel.crit]);

/**
 * Checks a header map decoded from the wire: labels are int or tstr, the well-known labels carry
 * values of the right type. Used by {@link decodeSign1}; exported for callers that build headers.
 *
 * @throws CoseError ERR_COSE_BAD_HEADER
 */
export function checkHeaderMap(h: unknown, bucket: 'protected' | 'unprotected'): asserts h is HeaderMap {
  if (!(h instanceof Map)) bad(`the ${bucket} header is not a map`);
  for (const [label, value] of h) {
    if (!isLabel(label)) bad(`${bucket} header label ${String(label)} is not an int or tstr`);
    if (typeof label !== 'number') continue;
    const problem = VALUE_RULES.get(label)?.(value);
    if (problem) bad(`${bucket} header ${label} must be ${problem}`);
    if (bucket === 'unprotected' && PROTECTED_ONLY.has(label)) bad(`header ${label} may only appear in the protected header`);
  }
}

/** Checks that no label appears in both buckets (RFC 9052 §3). */
export function checkDisjoint(protectedHeader: HeaderMap, unprotectedHeader: HeaderMap): void {
  for (const label of unprotectedHeader.keys()) {
    if (protectedHeader.has(label)) bad(`label ${String(label)} appears in both the protected and the unprotected header`);
  }
}

/**
 * The algorithm of a header map (label 1) as an integer.
 *
 * @throws CoseError ERR_COSE_BAD_HEADER when absent, ERR_COSE_UNKNOWN_ALG when a text string
 * @example
 *   getAlg(msg.protectedHeader) // -7 (ES256)
 */
export function getAlg(h: HeaderMap): number {
  const alg = h.get(HeaderLabel.alg);
  if (alg === undefined) bad('alg (1) is missing');
  if (typeof alg === 'string') throw new CoseError(CoseErrorCode.CoseUnknownAlg, `couldn't use algorithm ${JSON.stringify(alg)}: text algorithm names are not supported`);
  if (!isInt(alg)) bad('alg (1) must be an int or tstr');
  return alg;
}

/**
 * The CWT claims (label 15) of a header map, with `iss`, `sub`, `aud` (tstr), `exp`, `nbf`, `iat`
 * (numeric dates) and `cti` (bstr) type-checked; every claim is also present under its integer key.
 * Returns `{}` when there is no label 15.
 *
 * @throws CoseError ERR_COSE_BAD_HEADER
 * @example
 *   const { iss, sub } = getCwtClaims(msg.protectedHeader);
 */
export function getCwtClaims(h: HeaderMap): CwtClaims {
  const m = h.get(HeaderLabel.cwtClaims);
  if (m === undefined) return {};
  if (!(m instanceof Map)) bad('CWT claims (15) must be a map');
  const out: CwtClaims = {};
  for (const [k, v] of m) {
    if (!isLabel(k)) bad(`CWT claim key ${String(k)} is not an int or tstr`);
    if (typeof k === 'number') out[k] = v;
  }
  const text = (key: number, name: 'iss' | 'sub' | 'aud') => {
    const v = m.get(key);
    if (v === undefined) return;
    if (typeof v !== 'string') bad(`CWT claim ${name} (${key}) must be a tstr`);
    out[name] = v;
  };
  const date = (key: number, name: 'exp' | 'nbf' | 'iat') => {
    let v = m.get(key);
    if (v === undefined) return;
    if (v instanceof Tagged && v.tag === 1) v = v.value;
    if (!isNumericDate(v)) bad(`CWT claim ${name} (${key}) must be a NumericDate`);
    out[name] = v;
  };
  text(CwtClaim.iss, 'iss');
  text(CwtClaim.sub, 'sub');
  text(CwtClaim.aud, 'aud');
  date(CwtClaim.exp, 'exp');
  date(CwtClaim.nbf, 'nbf');
  date(CwtClaim.iat, 'iat');
  const cti = m.get(CwtClaim.cti);
  if (cti !== undefined) {
    if (!isBytes(cti)) bad('CWT claim cti (7) must be a bstr');
    out.cti = cti;
  }
  return out;
}

/**
 * Enforces `crit` (label 2, RFC 9052 §3.1): every listed label must be understood by the caller
 * and present in the protected header. Passes when there is no `crit`.
 *
 * @throws CoseError ERR_COSE_UNSUPPORTED_CRIT, ERR_COSE_BAD_HEADER (malformed crit)
 * @example
 *   checkCrit(msg.protectedHeader, [HeaderLabel.payloadHashAlg]);
 */
export function checkCrit(protectedHeader: HeaderMap, understood: readonly (number | string)[]): void {
  const crit = protectedHeader.get(HeaderLabel.crit);
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0 || !crit.every(isLabel)) bad('crit (2) must be a non-empty array of int/tstr labels');
  for (const label of crit) {
    if (!understood.includes(label)) throw new CoseError(CoseErrorCode.CoseUnsupportedCrit, `couldn't accept critical header ${String(label)}: not understood`);
    if (!protectedHeader.has(label)) throw new CoseError(CoseErrorCode.CoseUnsupportedCrit, `couldn't accept critical header ${String(label)}: listed in crit but absent from the protected header`);
  }
}
