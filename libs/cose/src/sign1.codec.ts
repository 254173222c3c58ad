/**
 * COSE_Sign1 (RFC 9052 §4.2) on the wire: strict decoding, encoding, and the Sig_structure.
 */
import { decodeCbor, DEFAULT_MAX_SIZE } from './cbor.decode.js';
import { CborWriter } from './cbor.encode.js';
import { Tagged } from './cbor.tagged.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { checkDisjoint, checkHeaderMap, type HeaderMap } from './cose.headers.js';

/** The CBOR tag of COSE_Sign1. */
export const COSE_SIGN1_TAG = 18;

/** A decoded COSE_Sign1. Byte fields are copies owned by this object. */
export interface CoseSign1 {
  /** Whether the message carried tag 18. */
  readonly tagged: boolean;
  /** The protected header exactly as received (the bstr's content; may be empty). */
  readonly protectedBytes: Uint8Array;
  readonly protectedHeader: HeaderMap;
  readonly unprotectedHeader: HeaderMap;
  /** The payload, or null when detached (nil on the wire). */
  readonly payload: Uint8Array | null;
  readonly signature: Uint8Array;
}

/** Options for {@link decodeSign1}. */
export interface DecodeSign1Options {
  /** Largest accepted message in bytes (default 16 MiB). */
  maxSize?: number;
  /** Accept non-shortest integer/length heads (default false). */
  allowNonMinimal?: boolean;
  /**
   * The message's byte strings (the protected header's bytes, the payload, the signature, byte
   * values in the unprotected header) as copies (default) or as views into `bytes` (`'view'`: see
   * `DecodeCborOptions.byteStrings`). The protected header's values are always copies.
   */
  byteStrings?: 'copy' | 'view';
}

function wrongType(what: string): never {
  throw new CoseError(CoseErrorCode.CoseWrongType, `couldn't decode COSE_Sign1: ${what}`);
}

/**
 * Decodes a protected header bstr: empty means the empty map (RFC 9052 §3). Floats anywhere in it
 * are refused (ERR_CBOR_FLOAT_NOT_ALLOWED), as in {@link decodeSign1}.
 */
export function decodeProtectedHeader(protectedBytes: Uint8Array, opts: DecodeSign1Options = {}): HeaderMap {
  if (protectedBytes.length === 0) return new Map();
  let h: unknown;
  try {
    h = decodeCbor(protectedBytes, { mapsAsMaps: true, allowNonMinimal: opts.allowNonMinimal ?? false, floats: 'reject' });
  } catch (e) {
    const err = e as CoseError;
    throw new CoseError(err.code, `couldn't decode the protected header: ${err.message}`, { cause: e });
  }
  checkHeaderMap(h, 'protected');
  return h;
}

/**
 * Decodes a COSE_Sign1, tagged (18) or untagged, strictly: the protected header must be a bstr
 * holding a map (or empty), the unprotected header a map, the payload a bstr or nil, the signature
 * a bstr; labels are ints or tstr; well-known labels carry values of the right type; no label in
 * both buckets. `crit` is not evaluated here (see {@link checkCrit}). No float may appear anywhere
 * in the message — outer array, either header, nested values — since a float such as `-7.0` would
 * otherwise read as the integer `-7` (alg ES256) where RFC 9052 decoders see no int at all.
 *
 * @throws CoseError ERR_CBOR_* (not well-formed or not strict CBOR; ERR_CBOR_FLOAT_NOT_ALLOWED for a float), ERR_COSE_NOT_SIGN1 (another tag,
 *   not a 4-element array), ERR_COSE_WRONG_TYPE, ERR_COSE_BAD_HEADER
 * @example
 *   const msg = decodeSign1(body, { maxSize: 1 << 20 });
 *   const alg = getAlg(msg.protectedHeader);
 */
export function decodeSign1(bytes: Uint8Array, opts: DecodeSign1Options = {}): CoseSign1 {
  const top = decodeCbor(bytes, {
    maxSize: opts.maxSize ?? DEFAULT_MAX_SIZE,
    mapsAsMaps: true,
    allowNonMinimal: opts.allowNonMinimal ?? false,
    floats: 'reject',
    byteStrings: opts.byteStrings ?? 'copy',
  });
  let tagged = false;
  let arr: unknown = top;
  if (top instanceof Tagged) {
    if (top.tag !== COSE_SIGN1_TAG) throw new CoseError(CoseErrorCode.CoseNotSign1, `couldn't decode COSE_Sign1: tag ${top.tag} is not ${COSE_SIGN1_TAG}`);
    tagged = true;
    arr = top.value;
  }
  if (!Array.isArray(arr)) throw new CoseError(CoseErrorCode.CoseNotSign1, "couldn't decode COSE_Sign1: not an array");
  if (arr.length !== 4) throw new CoseError(CoseErrorCode.CoseNotSign1, `couldn't decode COSE_Sign1: an array of ${arr.length} elements, not 4`);
  const [p, u, payload, signature] = arr as unknown[];
  if (!(p instanceof Uint8Array)) wrongType('the protected header is not a bstr');
  if (!(u instanceof Map)) wrongType('the unprotected header is not a map');
  if (payload !== null && !(payload instanceof Uint8Array)) wrongType('the payload is neither a bstr nor nil');
  if (!(signature instanceof Uint8Array)) wrongType('the signature is not a bstr');
  const protectedHeader = decodeProtectedHeader(p, opts);
  checkHeaderMap(u, 'unprotected');
  checkDisjoint(protectedHeader, u);
  return { tagged, protectedBytes: p, protectedHeader, unprotectedHeader: u, payload, signature };
}

/**
 * Encodes a COSE_Sign1 from its parts; the protected header bytes are written as given (never
 * re-encoded), the unprotected header deterministically.
 *
 * @example
 *   encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload: null, signature }) // d2 84 …
 */
export function encodeSign1(
  parts: { protectedBytes: Uint8Array; unprotectedHeader: HeaderMap; payload: Uint8Array | null; signature: Uint8Array },
  opts: { tagged?: boolean } = {},
): Uint8Array {
  const w = new CborWriter();
  if (opts.tagged ?? true) w.head(6, COSE_SIGN1_TAG);
  w.head(4, 4);
  w.bytes(parts.protectedBytes);
  w.value(parts.unprotectedHeader, 1);
  if (parts.payload === null) w.value(null, 1);
  else w.bytes(parts.payload);
  w.bytes(parts.signature);
  return w.finish();
}

const SIGNATURE1 = new TextEncoder().encode('Signature1');

/**
 * The Sig_structure for COSE_Sign1 (RFC 9052 §4.4): `["Signature1", protected, external_aad, payload]`.
 * A protected header holding the empty map (`h'a0'`) enters as the zero-length bstr: RFC 9052 §3
 * makes that "the version used in the serialization structures for cryptographic computation"
 * (the COSE WG example sign-pass-01 is signed that way).
 *
 * @example
 *   sigStructure1(msg.protectedBytes, new Uint8Array(0), msg.payload!) // 84 6a 5369676e617475726531 …
 */
export function sigStructure1(protectedBytes: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Uint8Array {
  return withSigStructure1(protectedBytes, externalAad, payload, (tbs) => tbs.slice());
}

/**
 * {@link sigStructure1} lent to `use` instead of copied out (its buffer is reused afterwards): for a
 * synchronous consumer that is done with the bytes when it returns, such as a hash — the statement
 * id hashes one per statement (libs/receipt `statementIdOf`).
 *
 * @example
 *   const digest = withSigStructure1(msg.protectedBytes, new Uint8Array(0), msg.payload!, sha256);
 */
export function withSigStructure1<T>(protectedBytes: Uint8Array, externalAad: Uint8Array, payload: Uint8Array, use: (tbs: Uint8Array) => T): T {
  const w = new CborWriter(protectedBytes.length + externalAad.length + payload.length + 32);
  w.head(4, 4);
  w.head(3, SIGNATURE1.length);
  w.raw(SIGNATURE1);
  w.bytes(protectedBytes.length === 1 && protectedBytes[0] === 0xa0 ? new Uint8Array(0) : protectedBytes);
  w.bytes(externalAad);
  w.bytes(payload);
  return w.finishWith(use);
}
