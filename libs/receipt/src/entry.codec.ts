/**
 * The log entry of a signed statement (docs/architecture.md, Definitions; RFC 9943 §5): the tagged COSE_Sign1 with
 * its unprotected header replaced by the empty map, spliced byte for byte so that the issuer's
 * signature still verifies over it; and its entry ID.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeSign1, toHex, withSigStructure1, type CoseSign1 } from '../../cose/src/index.js';
import { sign1Spans } from './cbor.spans.js';

/** `d2 84`: tag 18 and a 4-element array. */
const ENTRY_PREFIX = Uint8Array.of(0xd2, 0x84);
/** `a0`: the empty map. */
const EMPTY_MAP = 0xa0;

/** Options for {@link toEntry}. */
export interface ToEntryOptions {
  /** Largest accepted statement in bytes (default: the cose library's limit, 16 MiB). */
  maxSize?: number;
  /**
   * The decoded statement's byte strings as copies (default) or as views into `statement`
   * (`'view'`, for a caller that keeps `statement` unchanged while it uses them: the service's
   * registrations). The entry is then a view of `statement` too when the statement already is one
   * (tagged, its unprotected header empty, as most publishers sign); otherwise bytes of its own.
   */
  byteStrings?: 'copy' | 'view';
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
  const decoded = decodeSign1(statement, { byteStrings: opts.byteStrings ?? 'copy', ...(opts.maxSize !== undefined && { maxSize: opts.maxSize }) });
  const [p, , payload, signature] = sign1Spans(statement);
  if (opts.byteStrings === 'view' && statement[0] === ENTRY_PREFIX[0] && statement[1] === ENTRY_PREFIX[1] && payload.start === p.end + 1 && statement[p.end] === EMPTY_MAP) {
    // already an entry (tagged, unprotected header empty; decodeSign1 refused trailing bytes): the entry is the statement
    return { entry: new Uint8Array(statement.buffer, statement.byteOffset, statement.byteLength), statement: decoded };
  }
  const protectedLen = p.end - p.start;
  const tailLen = signature.end - payload.start; // payload and signature are adjacent
  const entry = new Uint8Array(ENTRY_PREFIX.length + protectedLen + 1 + tailLen);
  entry.set(ENTRY_PREFIX, 0);
  entry.set(statement.subarray(p.start, p.end), ENTRY_PREFIX.length);
  entry[ENTRY_PREFIX.length + protectedLen] = EMPTY_MAP;
  entry.set(statement.subarray(payload.start, signature.end), ENTRY_PREFIX.length + protectedLen + 1);
  return { entry, statement: decoded };
}

/** A SHA-256 implementation: the pure default, or node:crypto where speed matters (the service). */
export type Sha256 = (bytes: Uint8Array) => Uint8Array;

/**
 * The entry ID: lowercase hex SHA-256 of the entry bytes (64 characters).
 *
 * @param hash SHA-256 to use (default: @noble/hashes; the service and the CLI pass node:crypto's,
 *   15× faster on large entries)
 * @example
 *   entryIdOf(toEntry(statement).entry) // 'a3f1…'
 */
export function entryIdOf(entry: Uint8Array, hash: Sha256 = sha256): string {
  return toHex(hash(entry));
}

const NO_AAD = new Uint8Array(0);

/**
 * The statement ID: lowercase hex SHA-256 of the bytes the issuer's signature covers — the COSE
 * `Sig_structure` `["Signature1", protected, h'', payload]` (RFC 9052 §4.4) — so it does not depend
 * on how the signature is encoded. An ECDSA signature `(r, s)` has a twin `(r, n − s)` that anyone
 * can make and that verifies as well; both statements have different entry IDs but one statement
 * ID, and the ledger treats them as one statement (deduplication, revocation, supersession:
 * docs/receipts.md "Statement identity"). The unprotected header is not covered either way.
 * A statement with a detached payload has no visible signed content: its statement ID is its
 * entry ID (the ledger never admits one).
 *
 * @param statement a signed or transparent statement or an entry (bytes), or a decoded COSE_Sign1
 * @param hash SHA-256 to use (default: @noble/hashes; the service passes node:crypto)
 * @throws CoseError ERR_CBOR_* / ERR_COSE_* when the bytes are not a strict COSE_Sign1
 * @example
 *   statementIdOf(statement) === statementIdOf(withTwinSignature(statement)) // true
 */
export function statementIdOf(statement: CoseSign1 | Uint8Array, hash: Sha256 = sha256): string {
  const decoded = statement instanceof Uint8Array ? toEntry(statement).statement : statement;
  if (decoded.payload === null) {
    const entry = statement instanceof Uint8Array ? toEntry(statement).entry : null;
    if (!entry) throw new TypeError("couldn't compute a statement id: pass the bytes of a statement with a detached payload");
    return toHex(hash(entry));
  }
  return toHex(withSigStructure1(decoded.protectedBytes, NO_AAD, decoded.payload, hash)); // `hash` is done with its input when it returns
}
