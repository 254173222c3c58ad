/**
 * Statement identity in the service (docs/receipts.md "Statement identity"): the definition is
 * `statementIdOf` in libs/receipt; here it runs on node:crypto's one-shot SHA-256 (15× the pure
 * hash on large payloads).
 */
import { hash } from 'node:crypto';
import type { CoseSign1 } from '../../libs/cose/src/index.js';
import { statementIdOf, type Sha256 } from '../../libs/receipt/src/index.js';

export const nodeSha256: Sha256 = (bytes) => new Uint8Array(hash('sha256', bytes, 'buffer'));

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
