/**
 * The log entry of a signed statement (docs/architecture.md, Definitions; RFC 9943 §5): the tagged COSE_Sign1 with
 * its unprotected header replaced by the empty map, spliced byte for byte so that the issuer's
 * signature still verifies over it; and its entry ID.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeSign1, toHex, type CoseSign1 } from '../../cose/src/index.js';
import { sign1Spans } from './cbor.spans.js';

/** `d2 84`: tag 18 and a 4-element array. */
const ENTRY_PREFIX = Uint8Array.of(0xd2, 0x84);
/** `a0`: the empty map. */
const EMPTY_MAP = 0xa0;

/** Options for {@link toEntry}. */
export interface ToEntryOptions {
  /** Largest accepted statement in bytes (default: the cose library's limit, 16 MiB). */
  maxSize?: number;
}

/**
 * Turns a signed statement (or a transparent statement, or an entry) into its log entry:
 * `d2 84 ‖ protected bstr ‖ a0 ‖ payload ‖ signature`, where the protected bstr, the payload
 * (bstr or nil) and the signature are copied exactly as received. Untagged input gets tag 18.
 * The statement is decoded strictly first, so malformed input never reaches the log.
 * Idempotent: the entry of an entry is itself.
 *
 * @throws CoseError ERR_CBOR_* / ERR_COSE_* when the statement is not a strict COSE_Sign1
 * @example
 *   const { entry, statement } = toEntry(body, { maxSize: 1 << 20 });
 *   const leaf = hashLeaf(entry);
 *   const id = entryIdOf(entry);
 */
export function toEntry(statement: Uint8Array, opts: ToEntryOptions = {}): { entry: Uint8Array; statement: CoseSign1 } {
  const decoded = decodeSign1(statement, opts.maxSize === undefined ? {} : { maxSize: opts.maxSize });
  const [p, , payload, signature] = sign1Spans(statement);
  const protectedLen = p.end - p.start;
  const tailLen = signature.end - payload.start; // payload and signature are adjacent
  const entry = new Uint8Array(ENTRY_PREFIX.length + protectedLen + 1 + tailLen);
  entry.set(ENTRY_PREFIX, 0);
  entry.set(statement.subarray(p.start, p.end), ENTRY_PREFIX.length);
  entry[ENTRY_PREFIX.length + protectedLen] = EMPTY_MAP;
  entry.set(statement.subarray(payload.start, signature.end), ENTRY_PREFIX.length + protectedLen + 1);
  return { entry, statement: decoded };
}

/**
 * The entry ID: lowercase hex SHA-256 of the entry bytes (64 characters).
 *
 * @example
 *   entryIdOf(toEntry(statement).entry) // 'a3f1…'
 */
export function entryIdOf(entry: Uint8Array): string {
  return toHex(sha256(entry));
}
