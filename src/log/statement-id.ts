/**
 * Entry and statement identity in the service (docs/receipts.md "Statement identity"): the
 * definitions are `entryIdOf` and `statementIdOf` in libs/receipt; here they run on node:crypto's
 * one-shot SHA-256 (15× the pure hash on large payloads).
 */
import type { CoseSign1 } from '../../libs/cose/src/index.js';
import { nodeSha256 } from '../../libs/merkle/src/index.js';
import { entryIdOf, statementIdOf } from '../../libs/receipt/src/index.js';

/** The entry ID of log entry bytes (`entryIdOf` on node:crypto). */
export const entryIdOfEntry = (entry: Uint8Array): string => entryIdOf(entry, nodeSha256);

/** The statement ID of a decoded signed statement (attached payload). */
export const statementIdOfStatement = (statement: CoseSign1): string => statementIdOf(statement, nodeSha256);

/**
 * The statement ID of a log entry. An entry that is not a COSE_Sign1 (never admitted, but a log may
 * be fed by other writers) is its own statement: its entry ID.
 */
export function statementIdOfEntry(entry: Uint8Array, entryId: string): string {
  try {
    return statementIdOf(entry, nodeSha256);
  } catch {
    return entryId;
  }
}

/**
 * {@link statementIdOfEntry} when the entry's statement is decoded already (null: it is not a
 * COSE_Sign1): an attached payload is hashed from the decoded statement without decoding the entry
 * again; anything else goes through {@link statementIdOfEntry}.
 */
export const statementIdOfDecoded = (statement: CoseSign1 | null, entry: Uint8Array, entryId: string): string =>
  statement !== null && statement.payload !== null ? statementIdOfStatement(statement) : statementIdOfEntry(entry, entryId);
