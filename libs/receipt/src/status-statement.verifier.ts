/**
 * Offline verification of status statements (docs/receipts.md#status-statements) against the
 * service's keys. Every failed check throws a {@link StatusError} whose code says which one.
 */
import {
  CoseError,
  CwtClaim,
  decodeCbor,
  decodeProtectedHeader,
  decodeSign1,
  getCwtClaims,
  HeaderLabel,
  toHex,
  verifySign1,
  type CoseSign1,
  type CryptoBackend,
} from '../../cose/src/index.js';
import { MerkleError, rootFromInclusionProof } from '../../merkle/src/index.js';
import { resolveServiceKey, type ServiceKeys } from './receipt.verifier.js';
import { STATUS_CONTENT_TYPE, type StatusEntry } from './status-statement.codec.js';

export const StatusErrorCode = {
  /** Not a well-formed status statement (CBOR, headers, payload shape). */
  Malformed: 'ERR_STATUS_MALFORMED',
  /** No trusted service key has the statement's (or its checkpoint's) kid. */
  UnknownKid: 'ERR_STATUS_UNKNOWN_KID',
  /** The service signature on the status statement does not verify. */
  Signature: 'ERR_STATUS_SIGNATURE',
  /** It is about another collection than the one asked for. */
  Subject: 'ERR_STATUS_SUBJECT',
  /** The embedded checkpoint signature does not verify over the root, or is newer than the statement. */
  Checkpoint: 'ERR_STATUS_CHECKPOINT',
  /** The tree size is not the size of the checkpoint's tree, or an entry lies beyond it. */
  TreeSize: 'ERR_STATUS_TREE_SIZE',
} as const;

export class StatusError extends Error {
  override readonly name = 'StatusError';
  constructor(
    readonly code: (typeof StatusErrorCode)[keyof typeof StatusErrorCode],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a verified status statement establishes. */
export interface VerifiedStatus {
  /** the transparency service (CWT iss) */
  iss: string;
  logId: string;
  subject: string;
  /** signing time, seconds since the epoch */
  iat: number;
  kid: string;
  treeSize: number;
  root: Uint8Array;
  entries: StatusEntry[];
}

export interface VerifyStatusOptions {
  /** refuse a status statement about another collection */
  expectedSubject?: string;
  backend?: CryptoBackend;
}

const fail = (code: StatusError['code'], why: string, cause?: unknown): never => {
  throw new StatusError(code, `couldn't verify status statement: ${why}`, cause === undefined ? undefined : { cause });
};

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBytes = (v: unknown, n?: number): v is Uint8Array => v instanceof Uint8Array && (n === undefined || v.length === n);
const HEX64 = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function field<T>(m: Map<unknown, unknown>, key: string, ok: (v: unknown) => v is T, want: string): T {
  const v = m.get(key);
  if (!ok(v)) fail(StatusErrorCode.Malformed, `payload field ${JSON.stringify(key)} must be ${want}`);
  return v as T;
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isMap = (v: unknown): v is Map<unknown, unknown> => v instanceof Map;

function readEntry(v: unknown, i: number): StatusEntry {
  if (!isMap(v)) fail(StatusErrorCode.Malformed, `entries[${i}] is not a map`);
  const m = v as Map<unknown, unknown>;
  const state = field(m, 'state', isStr, 'a text string');
  if (state !== 'revoked' && state !== 'superseded') fail(StatusErrorCode.Malformed, `entries[${i}].state must be "revoked" or "superseded"`);
  const e: StatusEntry = {
    entryId: field(m, 'entryId', isStr, 'an entry id'),
    statementId: field(m, 'statementId', isStr, 'a statement id'),
    index: field(m, 'index', isUint, 'an unsigned integer'),
    iss: field(m, 'iss', isStr, 'a text string'),
    kind: field(m, 'kind', isStr, 'a text string'),
    state: state as StatusEntry['state'],
    by: field(m, 'by', isStr, 'an entry id'),
    byIndex: field(m, 'byIndex', isUint, 'an unsigned integer'),
  };
  if (m.has('reason')) e.reason = field(m, 'reason', isStr, 'a text string');
  for (const [k, id] of [['entryId', e.entryId], ['statementId', e.statementId], ['by', e.by]] as const) {
    if (!HEX64.test(id)) fail(StatusErrorCode.Malformed, `entries[${i}].${k} is not 64 lowercase hex digits`);
  }
  return e;
}

async function checkSig(msg: CoseSign1, keys: ServiceKeys, detached: Uint8Array | undefined, code: StatusError['code'], what: string, backend?: CryptoBackend): Promise<string> {
  const kid = msg.protectedHeader.get(HeaderLabel.kid);
  if (!isBytes(kid) || kid.length === 0) fail(StatusErrorCode.Malformed, `${what} has no kid (4) bstr in its protected header`);
  const key = resolveServiceKey(keys, kid as Uint8Array);
  if (!key) fail(StatusErrorCode.UnknownKid, `no trusted service key has kid ${toHex(kid as Uint8Array)} (${what})`);
  try {
    await verifySign1(msg, key!, { requireProtectedAlg: true, ...(detached ? { detachedPayload: detached } : {}), ...(backend ? { backend } : {}) });
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    fail(code, `the signature of ${what} does not verify under the service key ${toHex(kid as Uint8Array)}: ${e.message}`, e);
  }
  return toHex(kid as Uint8Array);
}

/**
 * Verifies a status statement offline: its signature under a trusted service key, the embedded
 * checkpoint's signature over its root, the proof that the root is of a tree of exactly
 * `treeSize` leaves, and that every entry it lists lies inside that tree.
 * @throws StatusError
 * @example
 *   const s = await verifyStatusStatement(bytes, trust.keys, { expectedSubject: 'sha256:ab…' });
 *   if (Date.now() / 1000 - s.iat > maxAgeSeconds) … // stale: run `scitt sync`
 */
export async function verifyStatusStatement(bytes: Uint8Array, keys: ServiceKeys, opts: VerifyStatusOptions = {}): Promise<VerifiedStatus> {
  let msg: CoseSign1;
  try {
    msg = decodeSign1(bytes, { maxSize: 4 * 1024 * 1024 });
  } catch (e) {
    return fail(StatusErrorCode.Malformed, `not a COSE_Sign1: ${(e as Error).message}`, e);
  }
  if (!msg.tagged) fail(StatusErrorCode.Malformed, 'not tagged 18 (COSE_Sign1)');
  if (msg.protectedHeader.get(HeaderLabel.contentType) !== STATUS_CONTENT_TYPE) fail(StatusErrorCode.Malformed, `content type (3) is not ${STATUS_CONTENT_TYPE}`);
  if (msg.payload === null) fail(StatusErrorCode.Malformed, 'the payload is detached');
  let claims: ReturnType<typeof getCwtClaims>;
  try {
    claims = getCwtClaims(msg.protectedHeader);
  } catch (e) {
    return fail(StatusErrorCode.Malformed, `CWT claims (15): ${(e as Error).message}`, e);
  }
  const { iss, sub, iat } = claims;
  if (typeof iss !== 'string' || typeof sub !== 'string' || !isUint(iat)) fail(StatusErrorCode.Malformed, 'CWT claims (15) need iss (1), sub (2) and iat (6)');
  const kid = await checkSig(msg, keys, undefined, StatusErrorCode.Signature, 'the status statement', opts.backend);
  let payload: unknown;
  try {
    payload = decodeCbor(msg.payload!, { mapsAsMaps: true, floats: 'reject' });
  } catch (e) {
    return fail(StatusErrorCode.Malformed, `the payload is not strict CBOR: ${(e as Error).message}`, e);
  }
  if (!isMap(payload)) return fail(StatusErrorCode.Malformed, 'the payload is not a map');
  const p = payload;
  const subject = field(p, 'subject', isStr, 'a text string');
  if (!DIGEST.test(subject) || subject !== sub) fail(StatusErrorCode.Malformed, `payload subject ${JSON.stringify(subject)} must be a sha256 digest equal to the CWT sub ${JSON.stringify(sub)}`);
  if (opts.expectedSubject !== undefined && subject !== opts.expectedSubject) fail(StatusErrorCode.Subject, `it is about ${subject}, not about ${opts.expectedSubject}`);
  const logId = field(p, 'logId', isStr, 'a text string');
  const treeSize = field(p, 'treeSize', isUint, 'an unsigned integer');
  const root = field(p, 'root', (v): v is Uint8Array => isBytes(v, 32), 'a 32-byte bstr');
  const cp = field(p, 'checkpoint', Array.isArray, '[protected bstr, signature bstr]') as unknown[];
  const leaf = field(p, 'lastLeaf', Array.isArray, '[leaf hash bstr, [path bstr…]]') as unknown[];
  const rawEntries = field(p, 'entries', Array.isArray, 'an array') as unknown[];
  if (cp.length !== 2 || !isBytes(cp[0]) || !isBytes(cp[1])) fail(StatusErrorCode.Malformed, 'checkpoint must be [protected bstr, signature bstr]');
  if (leaf.length !== 2 || !isBytes(leaf[0], 32) || !Array.isArray(leaf[1]) || !(leaf[1] as unknown[]).every((x) => isBytes(x, 32))) fail(StatusErrorCode.Malformed, 'lastLeaf must be [32-byte leaf hash, [32-byte hashes…]]');
  if (treeSize < 1) fail(StatusErrorCode.TreeSize, 'tree size 0 has no checkpoint');
  // The checkpoint: the service's RFC 9942 signature over the root (detached payload).
  let cpHeader: Map<number | string, unknown>;
  try {
    cpHeader = decodeProtectedHeader(cp[0] as Uint8Array);
  } catch (e) {
    return fail(StatusErrorCode.Malformed, `the checkpoint's protected header is not strict CBOR: ${(e as Error).message}`, e);
  }
  const cpMsg: CoseSign1 = { tagged: true, protectedBytes: cp[0] as Uint8Array, protectedHeader: cpHeader, unprotectedHeader: new Map(), payload: null, signature: cp[1] as Uint8Array };
  await checkSig(cpMsg, keys, root, StatusErrorCode.Checkpoint, 'the checkpoint', opts.backend);
  const cpClaims = cpHeader.get(HeaderLabel.cwtClaims);
  const cpIat = isMap(cpClaims) ? cpClaims.get(CwtClaim.iat) : undefined;
  const cpLog = isMap(cpClaims) ? cpClaims.get(CwtClaim.sub) : undefined;
  if (cpLog !== logId) fail(StatusErrorCode.Checkpoint, `the checkpoint is of log ${JSON.stringify(cpLog)}, not ${JSON.stringify(logId)}`);
  if (!isUint(cpIat) || cpIat > iat!) fail(StatusErrorCode.Checkpoint, `the checkpoint (iat ${String(cpIat)}) is newer than the status statement (iat ${iat})`);
  // The tree size: leaf N−1's inclusion proof in a tree of N must lead to the signed root.
  let computed: Uint8Array;
  try {
    computed = rootFromInclusionProof(leaf[0] as Uint8Array, treeSize - 1, treeSize, leaf[1] as Uint8Array[]);
  } catch (e) {
    if (!(e instanceof MerkleError)) throw e;
    return fail(StatusErrorCode.TreeSize, `tree size ${treeSize} is not the size of the checkpoint's tree: ${e.message}`, e);
  }
  if (toHex(computed) !== toHex(root)) fail(StatusErrorCode.TreeSize, `tree size ${treeSize} is not the size of the checkpoint's tree: the proof of its last leaf does not lead to the signed root`);
  const entries = rawEntries.map(readEntry);
  for (const e of entries) {
    if (e.index >= treeSize || e.byIndex >= treeSize) fail(StatusErrorCode.TreeSize, `entry ${e.entryId} (index ${e.index}, ${e.state} at index ${e.byIndex}) lies beyond tree size ${treeSize}`);
    if (e.byIndex <= e.index) fail(StatusErrorCode.Malformed, `entry ${e.entryId} is ${e.state} by an older entry (index ${e.byIndex} ≤ ${e.index})`);
  }
  return { iss: iss!, logId, subject, iat: iat!, kid, treeSize, root, entries };
}
