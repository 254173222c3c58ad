/**
 * TEMPORARY copy of the lead's `statementIdOf` (libs/receipt/src/entry.codec.ts on main, same
 * definition and signature): delete this file and its export line in index.ts when main has it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { sigStructure1, toHex, type CoseSign1 } from '../../cose/src/index.js';
import { toEntry } from './entry.codec.js';

/** A SHA-256 implementation: the pure default, or node:crypto where speed matters (the service). */
export type Sha256 = (bytes: Uint8Array) => Uint8Array;

const NO_AAD = new Uint8Array(0);

/** Lowercase hex SHA-256 of `["Signature1", protected, h'', payload]` (see main's entry.codec.ts). */
export function statementIdOf(statement: CoseSign1 | Uint8Array, hash: Sha256 = sha256): string {
  const decoded = statement instanceof Uint8Array ? toEntry(statement).statement : statement;
  if (decoded.payload === null) {
    const entry = statement instanceof Uint8Array ? toEntry(statement).entry : null;
    if (!entry) throw new TypeError("couldn't compute a statement id: pass the bytes of a statement with a detached payload");
    return toHex(hash(entry));
  }
  return toHex(hash(sigStructure1(decoded.protectedBytes, NO_AAD, decoded.payload)));
}
