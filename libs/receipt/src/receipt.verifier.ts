/**
 * Offline verification of RFC 9942 receipts against the service's published keys. Every check
 * that fails throws a {@link ReceiptError} whose code says which one and whose message says why.
 *
 * What a valid inclusion receipt proves: the service key named by `kid` signed a checkpoint of a
 * tree whose root is the root this entry's leaf and inclusion path yield. The tree size and leaf
 * index are not signed themselves (RFC 9942 signs the root alone); they steer the proof walk.
 */
import { bytesEqual, CoseError, CoseErrorCode, coseKeyThumbprint, toHex, verifySign1, type CoseKey, type CryptoBackend } from '../../cose/src/index.js';
import { MerkleError, nodeMerkleHasher, rootFromConsistencyProof, rootFromInclusionProof, type MerkleHasher } from '../../merkle/src/index.js';
import { toEntry } from './entry.codec.js';
import { decodeReceipt, UNDERSTOOD_LABELS, type DecodedReceipt } from './receipt.codec.js';
import { messageOf, ReceiptError, ReceiptErrorCode } from './receipt.errors.js';

/** The service keys a receipt may be signed with: a list (matched by `kid` or RFC 9679 thumbprint) or a lookup. */
export type ServiceKeys = readonly CoseKey[] | ((kid: Uint8Array) => CoseKey | undefined);

/** Options shared by the receipt verifiers. */
export interface VerifyReceiptOptions {
  /** Signature backend (default: the cose library's default, node:crypto). Pass `nobleBackend` in a browser. */
  backend?: CryptoBackend;
  /** RFC 9162 hashing (default node:crypto). Pass `nobleMerkleHasher` in a browser. */
  hasher?: MerkleHasher;
  /** Refuse receipts whose CWT `iss` differs (ERR_RECEIPT_ISSUER). */
  expectedIssuer?: string;
  /** Refuse receipts whose CWT `sub` (the log id) differs (ERR_RECEIPT_LOG_ID). */
  expectedLogId?: string;
}

/** What a verified inclusion receipt establishes. */
export interface VerifiedReceipt {
  kid: Uint8Array;
  iss: string;
  sub: string;
  iat: number;
  treeSize: number;
  leafIndex: number;
  /** The checkpoint root the signature covers. */
  root: Uint8Array;
}

/** What a verified consistency receipt establishes. */
export interface VerifiedConsistency {
  kid: Uint8Array;
  iss: string;
  sub: string;
  iat: number;
  size1: number;
  size2: number;
  /** The older root, as supplied by the caller. */
  root1: Uint8Array;
  /** The newer root, derived from the proof and covered by the signature. */
  root2: Uint8Array;
}

function fail(code: (typeof ReceiptErrorCode)[keyof typeof ReceiptErrorCode], why: string, cause?: unknown): never {
  throw new ReceiptError(code, `couldn't verify receipt: ${why}`, cause === undefined ? undefined : { cause });
}

function thumbprintOrUndefined(k: CoseKey): Uint8Array | undefined {
  try {
    return coseKeyThumbprint(k);
  } catch {
    return undefined; // a malformed key matches nothing
  }
}

/** Finds the service key for `kid`: by its `kid` member, else by its RFC 9679 thumbprint. */
export function resolveServiceKey(keys: ServiceKeys, kid: Uint8Array): CoseKey | undefined {
  if (typeof keys === 'function') return keys(kid);
  return keys.find((k) => k.kid !== undefined && bytesEqual(k.kid, kid)) ?? keys.find((k) => {
    const t = thumbprintOrUndefined(k);
    return t !== undefined && bytesEqual(t, kid);
  });
}

/** The CWT claims every receipt we accept carries, and the issuer/log id checks. */
function checkClaims(r: DecodedReceipt, opts: VerifyReceiptOptions): { iss: string; sub: string; iat: number } {
  if (r.iss === undefined) fail(ReceiptErrorCode.Malformed, 'the CWT claims (15) have no iss (1)');
  if (r.sub === undefined) fail(ReceiptErrorCode.Malformed, 'the CWT claims (15) have no sub (2), the log id');
  if (r.iat === undefined) fail(ReceiptErrorCode.Malformed, 'the CWT claims (15) have no iat (6)');
  if (opts.expectedIssuer !== undefined && r.iss !== opts.expectedIssuer) {
    fail(ReceiptErrorCode.Issuer, `issued by ${JSON.stringify(r.iss)}, not the expected ${JSON.stringify(opts.expectedIssuer)}`);
  }
  if (opts.expectedLogId !== undefined && r.sub !== opts.expectedLogId) {
    fail(ReceiptErrorCode.LogId, `for log ${JSON.stringify(r.sub)}, not the expected ${JSON.stringify(opts.expectedLogId)}`);
  }
  return { iss: r.iss, sub: r.sub, iat: r.iat };
}

function keyFor(r: DecodedReceipt, keys: ServiceKeys): CoseKey {
  const key = resolveServiceKey(keys, r.kid);
  if (!key) fail(ReceiptErrorCode.UnknownKid, `no service key has kid ${toHex(r.kid)}`);
  return key;
}

/** Checks the checkpoint signature over `root` (the detached payload). */
async function checkSignature(r: DecodedReceipt, key: CoseKey, root: Uint8Array, backend: CryptoBackend | undefined, what: string): Promise<void> {
  try {
    await verifySign1(r.sign1, key, { detachedPayload: root, crit: UNDERSTOOD_LABELS, requireProtectedAlg: true, ...(backend && { backend }) });
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    if (e.code === CoseErrorCode.CoseSignatureInvalid) {
      fail(ReceiptErrorCode.Signature, `the signature of kid ${toHex(r.kid)} does not verify over the root ${toHex(root)} that ${what} yields: the receipt was altered, is for another entry, or was signed by another key`, e);
    }
    fail(ReceiptErrorCode.Signature, `the signature can't be checked with the key of kid ${toHex(r.kid)}: ${e.message}`, e);
  }
}

/**
 * Verifies an inclusion receipt decoded with {@link decodeReceipt} against a log entry (as from
 * {@link toEntry}). The shared core of {@link verifyReceipt} and {@link verifyTransparentStatement}.
 */
export async function verifyDecodedReceipt(r: DecodedReceipt, entry: Uint8Array, keys: ServiceKeys, opts: VerifyReceiptOptions = {}): Promise<VerifiedReceipt> {
  if (!r.inclusion || r.inclusion.length !== 1 || r.consistency) {
    fail(ReceiptErrorCode.WrongKind, `an inclusion receipt must hold exactly one inclusion proof and no consistency proof (has ${r.inclusion?.length ?? 0} and ${r.consistency?.length ?? 0})`);
  }
  const claims = checkClaims(r, opts);
  const key = keyFor(r, keys);
  const { treeSize, leafIndex, path } = r.inclusion[0]!;
  let root: Uint8Array;
  try {
    const hasher = opts.hasher ?? nodeMerkleHasher;
    root = rootFromInclusionProof(hasher.hashLeaf(entry), leafIndex, treeSize, path, hasher);
  } catch (e) {
    if (!(e instanceof MerkleError)) throw e;
    fail(ReceiptErrorCode.Proof, `the inclusion proof of leaf ${leafIndex} in a tree of ${treeSize} is invalid: ${e.message}`, e);
  }
  await checkSignature(r, key, root, opts.backend, `the inclusion proof of leaf ${leafIndex} at size ${treeSize}`);
  return { kid: r.kid, ...claims, treeSize, leafIndex, root };
}

/**
 * Verifies an inclusion receipt offline: decodes it strictly, takes the entry of
 * `entryOrStatement` (a signed statement, a transparent statement or an entry: all give the same
 * entry), computes the Merkle root from the entry's leaf hash and the inclusion proof, and checks
 * the service's signature over that root with the key named by the receipt's `kid`.
 *
 * @throws ReceiptError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_VDS, ERR_RECEIPT_ATTACHED_PAYLOAD,
 *   ERR_RECEIPT_WRONG_KIND, ERR_RECEIPT_ISSUER, ERR_RECEIPT_LOG_ID, ERR_RECEIPT_UNKNOWN_KID,
 *   ERR_STATEMENT_MALFORMED, ERR_RECEIPT_PROOF (cause: MerkleError), ERR_RECEIPT_SIGNATURE (cause: CoseError)
 * @example
 *   const keys = decodeCoseKeySet(await (await fetch(`${base}/.well-known/scitt-keys`)).arrayBuffer().then((b) => new Uint8Array(b)));
 *   const v = await verifyReceipt(receipt, statement, keys, { expectedIssuer: 'https://ledger.example' });
 *   console.log(`entry ${v.leafIndex} of ${v.treeSize}, checkpoint at ${v.iat}`);
 */
export async function verifyReceipt(receipt: Uint8Array, entryOrStatement: Uint8Array, serviceKeys: ServiceKeys, opts: VerifyReceiptOptions = {}): Promise<VerifiedReceipt> {
  const r = decodeReceipt(receipt);
  let entry: Uint8Array;
  try {
    entry = toEntry(entryOrStatement).entry;
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    throw new ReceiptError(ReceiptErrorCode.StatementMalformed, `couldn't verify receipt: the statement is not a valid COSE_Sign1: ${messageOf(e)}`, { cause: e });
  }
  return verifyDecodedReceipt(r, entry, serviceKeys, opts);
}

/** Options of {@link verifyConsistencyReceipt}. */
export interface VerifyConsistencyOptions extends VerifyReceiptOptions {
  /** The size of the tree whose root the caller holds: refuse a receipt that starts elsewhere (ERR_RECEIPT_PROOF). */
  expectedSize1?: number;
}

/**
 * Verifies a consistency receipt offline against a root the caller already trusts (from an
 * earlier receipt or checkpoint): derives the newer root from `oldRoot` and the consistency
 * proof, and checks the service's signature over it. On success the log of `size2` leaves with
 * root `root2` provably extends the one the caller knew.
 *
 * @throws ReceiptError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_VDS, ERR_RECEIPT_ATTACHED_PAYLOAD,
 *   ERR_RECEIPT_WRONG_KIND, ERR_RECEIPT_ISSUER, ERR_RECEIPT_LOG_ID, ERR_RECEIPT_UNKNOWN_KID,
 *   ERR_RECEIPT_PROOF (wrong old root, bad proof; cause: MerkleError), ERR_RECEIPT_SIGNATURE
 * @example
 *   const old = await verifyReceipt(receipt, statement, keys);
 *   const c = await verifyConsistencyReceipt(consistencyReceipt, old.root, keys, { expectedSize1: old.treeSize });
 */
export async function verifyConsistencyReceipt(receipt: Uint8Array, oldRoot: Uint8Array, serviceKeys: ServiceKeys, opts: VerifyConsistencyOptions = {}): Promise<VerifiedConsistency> {
  const r = decodeReceipt(receipt);
  if (!r.consistency || r.consistency.length !== 1 || r.inclusion) {
    fail(ReceiptErrorCode.WrongKind, `a consistency receipt must hold exactly one consistency proof and no inclusion proof (has ${r.consistency?.length ?? 0} and ${r.inclusion?.length ?? 0})`);
  }
  const claims = checkClaims(r, opts);
  const key = keyFor(r, serviceKeys);
  const { size1, size2, path } = r.consistency[0]!;
  if (opts.expectedSize1 !== undefined && size1 !== opts.expectedSize1) {
    fail(ReceiptErrorCode.Proof, `the consistency proof starts at size ${size1}, not at the expected ${opts.expectedSize1}`);
  }
  let root2: Uint8Array;
  try {
    root2 = rootFromConsistencyProof(size1, size2, path, oldRoot, opts.hasher ?? nodeMerkleHasher);
  } catch (e) {
    if (!(e instanceof MerkleError)) throw e;
    fail(ReceiptErrorCode.Proof, `the consistency proof from size ${size1} to ${size2} does not hold for the given old root: ${e.message}`, e);
  }
  await checkSignature(r, key, root2, opts.backend, `the consistency proof from size ${size1} to ${size2}`);
  return { kid: r.kid, ...claims, size1, size2, root1: Uint8Array.from(oldRoot), root2 };
}
