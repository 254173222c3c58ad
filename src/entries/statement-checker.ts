/**
 * The checks of a signed statement before it may be sequenced, in order (docs/architecture.md, The write path):
 * required headers → issuer key → signature (node:crypto on the libuv threadpool) → policy.
 * Each failure is a problem-details error saying which check failed and why.
 */
import {
  CoseError,
  HeaderLabel,
  checkCrit,
  getCwtClaims,
  nodeCryptoBackend,
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
} from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { malformed, ProblemError, rejected } from '../common/problem.js';
import type { IssuerKeys } from './issuer-keys.js';
import type { ContentCheck } from './content.check.js';

/** Protected labels we understand (for `crit`). */
const UNDERSTOOD = [
  HeaderLabel.alg, HeaderLabel.crit, HeaderLabel.contentType, HeaderLabel.kid, HeaderLabel.cwtClaims, HeaderLabel.typ,
  HeaderLabel.x5chain, HeaderLabel.x5t, HeaderLabel.payloadHashAlg, HeaderLabel.preimageContentType, HeaderLabel.payloadLocation,
  SUPERSEDES_HEADER_LABEL,
];
const KNOWN_ALGS = new Set([-7, -35, -8]);

function contentTypeOf(h: Map<number | string, unknown>): string {
  const hashEnvelope = h.has(HeaderLabel.payloadHashAlg);
  const ct = hashEnvelope ? h.get(HeaderLabel.preimageContentType) : h.get(HeaderLabel.contentType);
  if (ct === undefined) return '';
  if (typeof ct === 'string') return ct;
  if (typeof ct === 'number' && Number.isSafeInteger(ct) && ct >= 0) return String(ct);
  throw malformed(`${hashEnvelope ? 'preimage content type (259)' : 'content type (3)'} must be a text string or an unsigned integer`, 'ERR_CONTENT_TYPE_FORMAT');
}

export class StatementChecker {
  constructor(
    private readonly policy: RegistrationPolicy,
    private readonly keys: IssuerKeys,
    private readonly view: AdmissionView,
    /** the content check (content.check.ts); absent = payloads stay opaque */
    private readonly content?: ContentCheck,
  ) {}

  async check(statement: CoseSign1, entry: Uint8Array, ids: { entryId: string; statementId: string }, size: number, now: Date): Promise<AdmittedEntry> {
    const h = statement.protectedHeader;
    const alg = h.get(HeaderLabel.alg);
    if (alg === undefined) throw malformed('the protected header has no alg (1)', 'ERR_MISSING_ALG');
    if (typeof alg !== 'number' || !KNOWN_ALGS.has(alg)) {
      throw new ProblemError(400, 'Bad Signature Algorithm', `algorithm ${String(alg)} is not supported (ES256 -7, ES384 -35, EdDSA -8)`, 'ERR_UNKNOWN_ALG');
    }
    try {
      checkCrit(h, UNDERSTOOD);
    } catch (err) {
      throw malformed((err as Error).message, (err as CoseError).code ?? 'ERR_CRIT');
    }
    let claims: ReturnType<typeof getCwtClaims>;
    try {
      claims = getCwtClaims(h);
    } catch (err) {
      throw malformed(`CWT claims (15): ${(err as Error).message}`, 'ERR_CWT_CLAIMS');
    }
    const { iss, sub } = claims;
    if (typeof iss !== 'string' || iss.length === 0 || typeof sub !== 'string' || sub.length === 0) {
      throw malformed('the protected header must carry CWT claims (15) with iss (1) and sub (2) as text', 'ERR_MISSING_CWT_CLAIMS');
    }
    if (h.has(HeaderLabel.payloadHashAlg) && h.has(HeaderLabel.contentType)) {
      throw malformed('a hash envelope (258) must not carry content type (3): use preimage content type (259)', 'ERR_HASH_ENVELOPE');
    }
    if (statement.payload === null) {
      throw new ProblemError(400, 'Payload Missing', 'the signed statement has a detached payload; register it with the payload attached (or as a hash envelope)', 'ERR_PAYLOAD_MISSING');
    }
    const contentType = contentTypeOf(h);
    let revokes: string[] | null = null;
    if (contentType === REVOCATION_CONTENT_TYPE) {
      try {
        revokes = [...parseRevocationPayload(statement.payload).revokes];
      } catch (err) {
        throw malformed((err as Error).message, 'ERR_REVOCATION_FORMAT');
      }
    }
    let supersedes: string | null;
    try {
      supersedes = supersededEntryOf(h);
    } catch (err) {
      throw malformed((err as Error).message, 'ERR_SUPERSEDES_FORMAT');
    }
    const resolved = this.keys.resolve(statement, iss, now);
    try {
      await verifySign1(statement, resolved.key, { backend: nodeCryptoBackend, crit: UNDERSTOOD });
    } catch (err) {
      const code = (err as CoseError).code ?? 'ERR_COSE_SIGNATURE_INVALID';
      if (code === 'ERR_COSE_SIGNATURE_INVALID') throw rejected(`the signature does not verify under the issuer key ${resolved.kid}`, code);
      throw rejected(`couldn't verify the signature: ${(err as Error).message}`, code);
    }
    const admission = decideAdmission({ alg, iss, kid: resolved.kid, sub, contentType, size, keySource: resolved.source, revokes, supersedes }, this.policy, this.view);
    if (!admission.admitted) {
      throw new ProblemError(admission.title === 'Payload Too Large' ? 413 : 400, admission.title, admission.detail, admission.code);
    }
    await this.content?.check(statement, contentType, sub);
    return { entry, entryId: ids.entryId, statementId: ids.statementId, leafHash: hashLeaf(entry), iss, sub, contentType, kid: resolved.kid };
  }
}
