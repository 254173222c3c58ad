/**
 * Typed errors for CBOR and COSE processing. Every failure carries a stable string `code`
 * (never parse the message) and, where another error caused it, that error as `cause`.
 */

/** The stable error codes this library throws. */
export const CoseErrorCode = {
  /** Not well-formed CBOR: truncated input, reserved additional info, invalid UTF-8, stray break … */
  CborMalformed: 'ERR_CBOR_MALFORMED',
  /** Bytes follow the single top-level data item. */
  CborTrailingBytes: 'ERR_CBOR_TRAILING_BYTES',
  /** A map holds the same key twice (RFC 9052 §9 requires decoders to reject this). */
  CborDuplicateKey: 'ERR_CBOR_DUPLICATE_KEY',
  /** Indefinite-length strings, arrays or maps (not allowed in COSE). */
  CborIndefiniteLength: 'ERR_CBOR_INDEFINITE_LENGTH',
  /** An integer, length or tag uses a longer head than needed (RFC 8949 §4.2.1). */
  CborNonMinimal: 'ERR_CBOR_NON_MINIMAL',
  /**
   * A floating-point item where only integers, strings, bytes … belong: every COSE decoder here
   * refuses floats, since a float like `-7.0` would otherwise pass as the integer `-7`.
   */
  CborFloatNotAllowed: 'ERR_CBOR_FLOAT_NOT_ALLOWED',
  /** Input larger than `maxSize`, nesting deeper than `maxDepth`, or a length beyond 2^53 - 1. */
  CborTooLarge: 'ERR_CBOR_TOO_LARGE',
  /** The encoder was given a value it cannot represent (a function, a Date, a cycle …). */
  CborUnsupportedType: 'ERR_CBOR_UNSUPPORTED_TYPE',
  /** Well-formed CBOR that is not a COSE_Sign1 (another tag, not a 4-element array). */
  CoseNotSign1: 'ERR_COSE_NOT_SIGN1',
  /** A COSE_Sign1 element has the wrong CBOR type. */
  CoseWrongType: 'ERR_COSE_WRONG_TYPE',
  /** A header is malformed: bad label, wrong value type, a label in both buckets, missing alg … */
  CoseBadHeader: 'ERR_COSE_BAD_HEADER',
  /** The algorithm is not one this library implements (ES256, ES384, ES512, EdDSA). */
  CoseUnknownAlg: 'ERR_COSE_UNKNOWN_ALG',
  /** The `crit` header lists a label the caller does not understand or that is absent. */
  CoseUnsupportedCrit: 'ERR_COSE_UNSUPPORTED_CRIT',
  /** Detached payload (nil) and no payload supplied to verify. */
  CosePayloadMissing: 'ERR_COSE_PAYLOAD_MISSING',
  /** The message carries a payload and a detached payload was supplied as well. */
  CosePayloadConflict: 'ERR_COSE_PAYLOAD_CONFLICT',
  /** The signature does not verify. */
  CoseSignatureInvalid: 'ERR_COSE_SIGNATURE_INVALID',
  /** x5chain (33, RFC 9360) is not a certificate (bstr) or a non-empty array of them, or holds more than allowed. */
  CoseX5ChainFormat: 'ERR_COSE_X5CHAIN_FORMAT',
  /** Content type (3), or a hash envelope's preimage content type (259), is not a tstr or uint. */
  CoseContentTypeFormat: 'ERR_COSE_CONTENT_TYPE_FORMAT',
  /** A hash envelope (258, draft-ietf-cose-hash-envelope) that also carries content type (3). */
  CoseHashEnvelope: 'ERR_COSE_HASH_ENVELOPE',
  /** The key is malformed, or does not fit the algorithm (kty/crv/alg mismatch, missing private part). */
  CoseBadKey: 'ERR_COSE_BAD_KEY',
} as const;

/** One of the {@link CoseErrorCode} values. */
export type CoseErrorCodeValue = (typeof CoseErrorCode)[keyof typeof CoseErrorCode];

/**
 * The one error type of this library.
 *
 * @example
 *   try { decodeSign1(bytes) } catch (e) {
 *     if (e instanceof CoseError && e.code === 'ERR_CBOR_DUPLICATE_KEY') { … }
 *   }
 */
export class CoseError extends Error {
  override readonly name = 'CoseError';
  constructor(
    readonly code: CoseErrorCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

