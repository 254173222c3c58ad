/**
 * Typed errors for receipts and transparent statements. Every failure carries a stable string
 * `code` (never parse the message) and, where another error caused it (a CoseError, a
 * MerkleError), that error as `cause`. Verifiers always throw one of these: never a bare `false`.
 */

/** The stable error codes this library throws. */
export const ReceiptErrorCode = {
  /** Not a well-formed receipt: bad CBOR, not a tagged COSE_Sign1, missing or mistyped headers, bad proof shape. */
  Malformed: 'ERR_RECEIPT_MALFORMED',
  /** No service key matches the receipt's `kid`. */
  UnknownKid: 'ERR_RECEIPT_UNKNOWN_KID',
  /** The verifiable data structure (header 395) is absent or is not RFC9162_SHA256 (1). */
  Vds: 'ERR_RECEIPT_VDS',
  /** The receipt carries a payload: RFC 9942 receipts detach it (the Merkle root). */
  AttachedPayload: 'ERR_RECEIPT_ATTACHED_PAYLOAD',
  /** The Merkle proof is invalid for the sizes/index it claims (wrong length, index out of range …); cause: MerkleError. */
  Proof: 'ERR_RECEIPT_PROOF',
  /** The signature does not verify over the root the proof yields (altered receipt, wrong entry, or another signer). */
  Signature: 'ERR_RECEIPT_SIGNATURE',
  /** The receipt's CWT `iss` differs from the expected issuer. */
  Issuer: 'ERR_RECEIPT_ISSUER',
  /** The receipt's CWT `sub` (the log id) differs from the expected log id. */
  LogId: 'ERR_RECEIPT_LOG_ID',
  /** The receipt has no proof of the kind asked for (inclusion / consistency), or more than one. */
  WrongKind: 'ERR_RECEIPT_WRONG_KIND',
  /** A transparent statement carries no receipt (header 394 absent or empty). */
  NoReceipts: 'ERR_RECEIPT_NO_RECEIPTS',
  /** The signed statement is not a valid COSE_Sign1 (strict decoding failed, or too large). */
  StatementMalformed: 'ERR_STATEMENT_MALFORMED',
  /** The issuer key resolver found no key for the statement. */
  StatementUnknownKey: 'ERR_STATEMENT_UNKNOWN_KEY',
  /** The issuer's signature on the statement does not verify. */
  StatementSignature: 'ERR_STATEMENT_SIGNATURE',
  /** A caller-supplied argument is invalid (sizes not safe integers, hashes not 32 bytes, bad header values …). */
  BadArgument: 'ERR_RECEIPT_BAD_ARGUMENT',
} as const;

/** One of the {@link ReceiptErrorCode} values. */
export type ReceiptErrorCodeValue = (typeof ReceiptErrorCode)[keyof typeof ReceiptErrorCode];

/**
 * The one error type of this library.
 *
 * @example
 *   try { await verifyReceipt(receipt, statement, keys) } catch (e) {
 *     if (e instanceof ReceiptError && e.code === 'ERR_RECEIPT_UNKNOWN_KID') { … }
 *   }
 */
export class ReceiptError extends Error {
  override readonly name = 'ReceiptError';
  constructor(
    readonly code: ReceiptErrorCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Message of an unknown thrown value, for wrapping. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
