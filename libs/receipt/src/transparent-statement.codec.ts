/**
 * Transparent statements (RFC 9943 §7): the signed statement with its receipts in the unprotected
 * header, label 394 (an array of receipt bstrs). The protected header, payload and signature are
 * kept byte for byte, so the issuer's signature still verifies.
 */
import { bytesEqual, CoseError, encodeSign1, HeaderLabel, type CoseSign1, type HeaderMap } from '../../cose/src/index.js';
import { toEntry } from './entry.codec.js';
import { messageOf, ReceiptError, ReceiptErrorCode } from './receipt.errors.js';

/** Largest transparent statement accepted by {@link splitTransparentStatement} (default). */
export const MAX_TRANSPARENT_STATEMENT_SIZE = 16 * 1024 * 1024;

function decodeStatement(bytes: Uint8Array, what: string, maxSize?: number): { entry: Uint8Array; statement: CoseSign1 } {
  try {
    return toEntry(bytes, maxSize === undefined ? {} : { maxSize });
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    throw new ReceiptError(ReceiptErrorCode.StatementMalformed, `couldn't decode ${what}: ${messageOf(e)}`, { cause: e });
  }
}

/**
 * Adds receipts to a signed statement (or to a transparent statement that already has some):
 * label 394 in the unprotected header becomes the existing receipts followed by the new ones
 * (a receipt already present is not added twice); every other unprotected label is kept. The
 * result is always tagged (18).
 *
 * @throws ReceiptError ERR_STATEMENT_MALFORMED, ERR_RECEIPT_BAD_ARGUMENT (a receipt is not bytes)
 * @example
 *   const ts = toTransparentStatement(statement, [receipt]);
 *   await verifyTransparentStatement(ts, { serviceKeys });
 */
export function toTransparentStatement(statement: Uint8Array, receipts: readonly Uint8Array[]): Uint8Array {
  const { statement: s } = decodeStatement(statement, 'statement');
  if (!Array.isArray(receipts)) throw new ReceiptError(ReceiptErrorCode.BadArgument, "couldn't add receipts: receipts must be an array");
  const existing = s.unprotectedHeader.get(HeaderLabel.receipts);
  const all: Uint8Array[] = Array.isArray(existing) ? [...(existing as Uint8Array[])] : [];
  for (const [i, r] of receipts.entries()) {
    if (!(r instanceof Uint8Array) || r.length === 0) throw new ReceiptError(ReceiptErrorCode.BadArgument, `couldn't add receipts: receipt ${i} is not non-empty bytes`);
    if (!all.some((x) => bytesEqual(x, r))) all.push(r);
  }
  const unprotectedHeader: HeaderMap = new Map(s.unprotectedHeader);
  unprotectedHeader.set(HeaderLabel.receipts, all);
  return encodeSign1({ protectedBytes: s.protectedBytes, unprotectedHeader, payload: s.payload, signature: s.signature }, { tagged: true });
}

/**
 * Splits a transparent statement into the statement (decoded), its log entry (unprotected header
 * emptied: equal to the entry of the statement as first registered) and its receipts (label 394;
 * empty when there is none — {@link verifyTransparentStatement} refuses that).
 *
 * @throws ReceiptError ERR_STATEMENT_MALFORMED
 * @example
 *   const { entry, receipts } = splitTransparentStatement(ts);
 *   const id = entryIdOf(entry);
 */
export function splitTransparentStatement(ts: Uint8Array, opts: { maxSize?: number } = {}): { statement: CoseSign1; entry: Uint8Array; receipts: Uint8Array[] } {
  const { entry, statement } = decodeStatement(ts, 'transparent statement', opts.maxSize ?? MAX_TRANSPARENT_STATEMENT_SIZE);
  const list = statement.unprotectedHeader.get(HeaderLabel.receipts);
  const receipts = Array.isArray(list) ? (list as Uint8Array[]) : [];
  return { statement, entry, receipts };
}
