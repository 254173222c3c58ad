/**
 * The checks of a signed statement before it may be sequenced, in order (docs/architecture.md, The
 * write path): required headers → issuer key → signature (node:crypto, on the HTTP thread or the
 * libuv threadpool: verify-placement.ts) → policy. Each failure is a typed {@link StatementRejection} (kind + stable code + why); the HTTP
 * edge maps it to a problem-details response (registration.problems.ts). To add a check, add a
 * step that throws a StatementRejection and call it in `check`, in its place.
 */
import {
  CoseError,
  HeaderLabel,
  checkCrit,
  getCwtClaims,
  nodeCryptoBackend,
  payloadContentType,
  type CryptoBackend,
  verifySign1,
  type CoseSign1,
} from '../../libs/cose/src/index.js';
import {
  REVOCATION_CONTENT_TYPE,
  SUPERSEDES_HEADER_LABEL,
  decideAdmission,
  supersededEntryOf,
  parseRevocationPayload,
  type AdmissionView,
  type AdmittedEntry,
  type RegistrationPolicy,
  type RejectionTitle,
} from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import type { IssuerKeys, ResolvedKey } from './issuer-keys.js';
import { StatementRejection, malformedStatement, rejectedStatement, type RejectionKind } from './statement-rejection.js';
import type { ContentCheck } from './content.check.js';

/** Protected labels we understand (for `crit`). */
const UNDERSTOOD = [
  HeaderLabel.alg, HeaderLabel.crit, HeaderLabel.contentType, HeaderLabel.kid, HeaderLabel.cwtClaims, HeaderLabel.typ,
  HeaderLabel.x5chain, HeaderLabel.x5t, HeaderLabel.payloadHashAlg, HeaderLabel.preimageContentType, HeaderLabel.payloadLocation,
  SUPERSEDES_HEADER_LABEL,
];
const KNOWN_ALGS = new Set([-7, -35, -8]);

/** The service's codes for the header readers' failures (libs/cose codes → the codes docs promise). */
const HEADER_CODES: Readonly<Record<string, string>> = { ERR_COSE_HASH_ENVELOPE: 'ERR_HASH_ENVELOPE', ERR_COSE_CONTENT_TYPE_FORMAT: 'ERR_CONTENT_TYPE_FORMAT' };

/** The kind of refusal each admission (libs/ledger) title stands for. */
const ADMISSION_KINDS: Readonly<Record<RejectionTitle, RejectionKind>> = {
  'Bad Signature Algorithm': 'unsupported-algorithm',
  Rejected: 'rejected',
  'Payload Too Large': 'too-large',
};

/** What the headers say, once they pass the header checks. */
interface HeaderFacts {
  readonly alg: number;
  readonly iss: string;
  readonly sub: string;
  /** content type (3), or 259 for a hash envelope; '' when absent */
  readonly contentType: string;
  readonly payload: Uint8Array;
  readonly revokes: string[] | null;
  readonly supersedes: string | null;
}

/** Step 1: the headers SCRAPI and docs/policy.md require, and an attached payload. */
function checkHeaders(statement: CoseSign1): HeaderFacts {
  const h = statement.protectedHeader;
  const alg = h.get(HeaderLabel.alg);
  if (alg === undefined) throw malformedStatement('the protected header has no alg (1)', 'ERR_MISSING_ALG');
  if (typeof alg !== 'number' || !KNOWN_ALGS.has(alg)) {
    throw new StatementRejection('unsupported-algorithm', 'ERR_UNKNOWN_ALG', `algorithm ${String(alg)} is not supported (ES256 -7, ES384 -35, EdDSA -8)`);
  }
  try {
    checkCrit(h, UNDERSTOOD);
  } catch (err) {
    throw malformedStatement((err as Error).message, (err as CoseError).code ?? 'ERR_CRIT', err);
  }
  let claims: ReturnType<typeof getCwtClaims>;
  try {
    claims = getCwtClaims(h);
  } catch (err) {
    throw malformedStatement(`CWT claims (15): ${(err as Error).message}`, 'ERR_CWT_CLAIMS', err);
  }
  const { iss, sub } = claims;
  if (typeof iss !== 'string' || iss.length === 0 || typeof sub !== 'string' || sub.length === 0) {
    throw malformedStatement('the protected header must carry CWT claims (15) with iss (1) and sub (2) as text', 'ERR_MISSING_CWT_CLAIMS');
  }
  let contentType: string | undefined;
  try {
    contentType = payloadContentType(h);
  } catch (err) {
    if (!(err instanceof CoseError)) throw err;
    throw malformedStatement(err.message, HEADER_CODES[err.code] ?? err.code, err);
  }
  if (statement.payload === null) {
    throw new StatementRejection('payload-missing', 'ERR_PAYLOAD_MISSING', 'the signed statement has a detached payload; register it with the payload attached (or as a hash envelope)');
  }
  let revokes: string[] | null = null;
  if (contentType === REVOCATION_CONTENT_TYPE) {
    try {
      revokes = [...parseRevocationPayload(statement.payload).revokes];
    } catch (err) {
      throw malformedStatement((err as Error).message, 'ERR_REVOCATION_FORMAT', err);
    }
  }
  let supersedes: string | null;
  try {
    supersedes = supersededEntryOf(h);
  } catch (err) {
    throw malformedStatement((err as Error).message, 'ERR_SUPERSEDES_FORMAT', err);
  }
  return { alg, iss, sub, contentType: contentType ?? '', payload: statement.payload, revokes, supersedes };
}

/** Step 3: the signature verifies under the issuer key (node:crypto; where, verify-placement.ts). */
async function checkSignature(statement: CoseSign1, resolved: ResolvedKey, backend: CryptoBackend): Promise<void> {
  try {
    await verifySign1(statement, resolved.key, { backend, crit: UNDERSTOOD });
  } catch (err) {
    const code = (err as CoseError).code ?? 'ERR_COSE_SIGNATURE_INVALID';
    if (code === 'ERR_COSE_SIGNATURE_INVALID') throw rejectedStatement(`the signature does not verify under the issuer key ${resolved.kid}`, code, err);
    throw rejectedStatement(`couldn't verify the signature: ${(err as Error).message}`, code, err);
  }
}

export class StatementChecker {
  constructor(
    private readonly policy: RegistrationPolicy,
    private readonly keys: IssuerKeys,
    private readonly view: AdmissionView,
    /** the content check (content.check.ts); absent = payloads stay opaque */
    private readonly content?: ContentCheck,
    /** the signatures' backend (default: node:crypto on the threadpool) */
    private readonly backend: CryptoBackend = nodeCryptoBackend,
  ) {}

  /** Runs every check in order; returns the entry to sequence, or throws a {@link StatementRejection}. */
  async check(statement: CoseSign1, entry: Uint8Array, ids: { entryId: string; statementId: string }, size: number, now: Date): Promise<AdmittedEntry> {
    const f = checkHeaders(statement); // 1. headers
    const resolved = this.keys.resolve(statement, f.iss, now); // 2. issuer key
    await checkSignature(statement, resolved, this.backend); // 3. signature
    // 4. policy: size, algorithm, key source, content type, subject, revocation and supersession rights
    const { alg, iss, sub, contentType, revokes, supersedes } = f;
    const admission = decideAdmission({ alg, iss, kid: resolved.kid, sub, contentType, size, keySource: resolved.source, revokes, supersedes }, this.policy, this.view);
    if (!admission.admitted) throw new StatementRejection(ADMISSION_KINDS[admission.title], admission.code, admission.detail);
    await this.content?.check(statement, contentType, sub);
    return { entry, entryId: ids.entryId, statementId: ids.statementId, leafHash: hashLeaf(entry), iss, sub, contentType, kid: resolved.kid };
  }

  /**
   * An entry another node of the cluster admitted (its hand-over is node-authenticated:
   * src/log/handover.controller.ts): what the leader still checks itself, because it is cheap and
   * decides what the log records — the body is exactly the entry bytes (tagged, empty unprotected
   * header: so the entry id and leaf hash are of the bytes stored) and its headers pass step 1
   * (`iss`, `sub` and content type are read here, never taken from the sender). Not repeated: the
   * issuer key, the signature, the policy, the CEL rules and the content check (the sender's
   * work); the key id is the sender's (`kid`, bound by the node credential).
   */
  admitHandedOver(statement: CoseSign1, entry: Uint8Array, body: Uint8Array, ids: { entryId: string; statementId: string }, kid: string): AdmittedEntry {
    if (!sameBytes(entry, body)) throw malformedStatement('a hand-over carries log entry bytes: a tagged COSE_Sign1 with an empty unprotected header', 'ERR_HANDOVER_NOT_AN_ENTRY');
    const { iss, sub, contentType } = checkHeaders(statement);
    return { entry, entryId: ids.entryId, statementId: ids.statementId, leafHash: hashLeaf(entry), iss, sub, contentType, kid };
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;
