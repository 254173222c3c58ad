/**
 * Offline verification of a transparent statement: the issuer's signature on the statement (when
 * the caller can resolve the issuer's key) and every receipt it carries.
 */
import { CoseError, getCwtClaims, verifySign1, type CoseKey, type CoseSign1, type CryptoBackend } from '../../cose/src/index.js';
import type { MerkleHasher } from '../../merkle/src/index.js';
import { entryIdOf } from './entry.codec.js';
import { decodeReceipt } from './receipt.codec.js';
import { messageOf, ReceiptError, ReceiptErrorCode } from './receipt.errors.js';
import { verifyDecodedReceipt, type ServiceKeys, type VerifiedReceipt } from './receipt.verifier.js';
import { splitTransparentStatement } from './transparent-statement.codec.js';

/** Inputs of {@link verifyTransparentStatement}. */
export interface VerifyTransparentStatementOptions {
  /** The transparency service's keys (list or lookup by kid). */
  serviceKeys: ServiceKeys;
  /**
   * Resolves the issuer's key for the statement (by its kid, x5chain, iss …). When given, the
   * issuer's signature is verified; `undefined` from it is ERR_STATEMENT_UNKNOWN_KEY. When not
   * given, only the receipts are verified (they prove registration, not authorship).
   */
  issuerKey?: (statement: CoseSign1) => Promise<CoseKey | undefined> | CoseKey | undefined;
  /** Signature backend for both the statement and the receipts (default: node:crypto). */
  backend?: CryptoBackend;
  /** RFC 9162 hashing for the receipts (default node:crypto; `nobleMerkleHasher` in a browser). */
  hasher?: MerkleHasher;
  /** The payload, when the statement's payload is detached (nil). */
  detachedPayload?: Uint8Array;
  /** Statement `crit` labels the caller understands (default none). */
  crit?: readonly (number | string)[];
  /** Refuse receipts from another service / log (see {@link VerifyReceiptOptions}). */
  expectedIssuer?: string;
  expectedLogId?: string;
  /** Largest accepted transparent statement in bytes (default 16 MiB). */
  maxSize?: number;
}

/** What a verified transparent statement establishes. */
export interface VerifiedTransparentStatement {
  statement: CoseSign1;
  /** Lowercase hex SHA-256 of the entry: the id under which the log holds it. */
  entryId: string;
  /** The statement's CWT `iss` and `sub` (the issuer and the subject of the claim). */
  iss?: string;
  sub?: string;
  /** One per receipt, in the order of header 394. */
  receipts: VerifiedReceipt[];
  /** Whether the issuer's signature was verified (an `issuerKey` resolver was given). */
  issuerSignatureVerified: boolean;
}

async function checkIssuerSignature(statement: CoseSign1, o: VerifyTransparentStatementOptions): Promise<void> {
  const resolve = o.issuerKey;
  if (!resolve) return;
  const key = await resolve(statement);
  if (!key) throw new ReceiptError(ReceiptErrorCode.StatementUnknownKey, "couldn't verify statement: no issuer key was found for it");
  try {
    await verifySign1(statement, key, { ...(o.backend && { backend: o.backend }), ...(o.detachedPayload && { detachedPayload: o.detachedPayload }), crit: o.crit ?? [] });
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    throw new ReceiptError(ReceiptErrorCode.StatementSignature, `couldn't verify statement: the issuer signature is not valid: ${e.message}`, { cause: e });
  }
}

/**
 * Verifies a transparent statement offline: splits off its receipts (header 394), verifies the
 * issuer's signature when `issuerKey` is given, then verifies every receipt against the
 * statement's entry with the service keys. Fails on the first problem, saying which receipt.
 *
 * @throws ReceiptError ERR_STATEMENT_MALFORMED, ERR_RECEIPT_NO_RECEIPTS, ERR_STATEMENT_UNKNOWN_KEY,
 *   ERR_STATEMENT_SIGNATURE, and any code of {@link verifyReceipt} (message names the receipt index)
 * @example
 *   const v = await verifyTransparentStatement(ts, {
 *     serviceKeys: decodeCoseKeySet(keySetBytes),
 *     issuerKey: (s) => issuers.get(toHex(s.protectedHeader.get(HeaderLabel.kid) as Uint8Array)),
 *     expectedIssuer: 'https://ledger.example',
 *   });
 *   console.log(v.entryId, v.sub, v.receipts[0].leafIndex);
 */
export async function verifyTransparentStatement(ts: Uint8Array, o: VerifyTransparentStatementOptions): Promise<VerifiedTransparentStatement> {
  const { statement, entry, receipts } = splitTransparentStatement(ts, o.maxSize === undefined ? {} : { maxSize: o.maxSize });
  if (receipts.length === 0) throw new ReceiptError(ReceiptErrorCode.NoReceipts, "couldn't verify transparent statement: it carries no receipt (header 394)");
  let claims: ReturnType<typeof getCwtClaims>;
  try {
    claims = getCwtClaims(statement.protectedHeader);
  } catch (e) {
    throw new ReceiptError(ReceiptErrorCode.StatementMalformed, `couldn't verify statement: ${messageOf(e)}`, { cause: e });
  }
  await checkIssuerSignature(statement, o);
  const verified: VerifiedReceipt[] = [];
  for (const [i, bytes] of receipts.entries()) {
    try {
      verified.push(await verifyDecodedReceipt(decodeReceipt(bytes), entry, o.serviceKeys, o));
    } catch (e) {
      if (!(e instanceof ReceiptError)) throw e;
      throw new ReceiptError(e.code, `couldn't verify receipt ${i} of ${receipts.length} of the transparent statement: ${e.message}`, { cause: e });
    }
  }
  return {
    statement,
    entryId: entryIdOf(entry),
    ...(claims.iss !== undefined && { iss: claims.iss }),
    ...(claims.sub !== undefined && { sub: claims.sub }),
    receipts: verified,
    issuerSignatureVerified: o.issuerKey !== undefined,
  };
}
