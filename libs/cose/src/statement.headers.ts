/**
 * Readers of the headers a signed statement carries beyond COSE's core, the one copy the ledger
 * and the CLI share: the payload's content type (3, or a hash envelope's preimage content type 259,
 * draft-ietf-cose-hash-envelope) and the certificate chain x5chain (33, RFC 9360), normalised.
 * Pure; failures are {@link CoseError}s with their own codes, which callers map.
 */
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { HeaderLabel, type HeaderMap } from './cose.headers.js';

/** The most certificates an x5chain may hold (our choice: a path of leaf, intermediates and root is far shorter). */
export const MAX_X5CHAIN_LENGTH = 8;

/** True when the header makes the statement a hash envelope: it carries payload hash alg (258). */
export function isHashEnvelope(h: HeaderMap): boolean {
  return h.has(HeaderLabel.payloadHashAlg);
}

/**
 * The media type of what the statement is about: content type (3), or for a hash envelope the
 * preimage content type (259). A tstr as is, a uint (CoAP content format) as its decimal text;
 * `undefined` when absent.
 *
 * @example
 *   payloadContentType(new Map([[258, -16], [259, 'application/spdx+json']])) // 'application/spdx+json'
 * @throws CoseError `ERR_COSE_HASH_ENVELOPE` for a hash envelope that carries content type (3)
 *   (two parsers could read two types from it); `ERR_COSE_CONTENT_TYPE_FORMAT` for a value that is
 *   not a tstr or uint
 */
export function payloadContentType(h: HeaderMap): string | undefined {
  const envelope = isHashEnvelope(h);
  if (envelope && h.has(HeaderLabel.contentType)) {
    throw new CoseError(CoseErrorCode.CoseHashEnvelope, "couldn't read the content type: a hash envelope (258) must not carry content type (3), use preimage content type (259)");
  }
  const ct = h.get(envelope ? HeaderLabel.preimageContentType : HeaderLabel.contentType);
  if (ct === undefined || typeof ct === 'string') return ct;
  if (typeof ct === 'number' && Number.isSafeInteger(ct) && ct >= 0) return String(ct);
  const label = envelope ? 'preimage content type (259)' : 'content type (3)';
  throw new CoseError(CoseErrorCode.CoseContentTypeFormat, `couldn't read the content type: ${label} must be a text string or an unsigned integer`);
}

/**
 * The certificates of x5chain (33) in `h`, leaf first: one certificate (a bstr) becomes a list of
 * one. `undefined` when the header has no x5chain.
 *
 * @example
 *   x5chainOf(statement.protectedHeader) // [leafDer, intermediateDer]
 * @throws CoseError `ERR_COSE_X5CHAIN_FORMAT` unless the value is a bstr or a non-empty array of
 *   bstr of at most `maxLength` ({@link MAX_X5CHAIN_LENGTH}) certificates
 */
export function x5chainOf(h: HeaderMap, maxLength = MAX_X5CHAIN_LENGTH): Uint8Array[] | undefined {
  const v = h.get(HeaderLabel.x5chain);
  if (v === undefined) return undefined;
  if (v instanceof Uint8Array) return [v];
  if (!Array.isArray(v) || v.length === 0 || !v.every((c) => c instanceof Uint8Array)) {
    throw new CoseError(CoseErrorCode.CoseX5ChainFormat, "couldn't read x5chain (33): it must be a certificate (bstr) or a non-empty array of certificates");
  }
  if (v.length > maxLength) {
    throw new CoseError(CoseErrorCode.CoseX5ChainFormat, `couldn't read x5chain (33): it has ${v.length} certificates, more than ${maxLength}`);
  }
  return [...(v as Uint8Array[])];
}
