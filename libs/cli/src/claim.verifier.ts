/**
 * Offline verification of one claim (a transparent statement, or a statement plus a receipt):
 * receipts against the trusted ledger keys, the issuer's signature against issuer trust, the
 * subject against the collection being verified, and revocation payloads. Never throws for a
 * verification failure: every failed check is a `problems` line saying why.
 */
import { bytesEqual, CoseError, verifySign1, toHex, type CoseSign1 } from '../../cose/src/index.js';
import { parseRevocationPayload, REVOCATION_CONTENT_TYPE } from '../../ledger/src/index.js';
import { ANNOTATION_ENTRY_ID, ARTIFACT_TYPE_SCITT_REVOCATION, parseReference } from '../../oci/src/index.js';
import { entryIdOf, splitTransparentStatement, statementIdOf, toTransparentStatement, verifyTransparentStatement, type VerifiedReceipt } from '../../receipt/src/index.js';
import type { IssuerTrust } from './issuer.trust.js';
import { statementFacts, type StatementFacts } from './statement.builder.js';
import type { TrustStore } from './trust.store.js';

/** What to verify. */
export interface ClaimInput {
  /** Where it came from (file, registry referrer, layout entry), for reports. */
  source: string;
  /** A transparent statement, or a signed statement when `receipt` is given. */
  statement?: Uint8Array;
  /** A receipt given separately (a file, or the receipt layer of a referrer artifact). */
  receipt?: Uint8Array;
  /** For referrer artifacts: the receipt layer must be one of the receipts the statement carries. */
  receiptMustMatch?: boolean;
  /** The collection digest the claim must be about (`sha256:…`). */
  subjectDigest?: string;
  /** Referrer manifest annotations (hints, cross-checked). */
  annotations?: Record<string, string>;
  artifactType?: string;
  /** The source could not be read (e.g. a blob whose digest does not match): a failed claim. */
  error?: string;
}

/** One verified receipt. */
export interface ReceiptReport {
  /** The ledger's issuer identifier (receipt CWT iss). */
  ledger: string;
  /** The trust-file name of the ledger whose key verified it. */
  trustedAs?: string;
  logId: string;
  kid: string;
  index: number;
  treeSize: number;
  /** The checkpoint time (receipt CWT iat), ISO 8601. */
  registeredAt: string;
}

/** The verdict on one claim. */
export interface ClaimReport {
  source: string;
  kind: 'claim' | 'revocation';
  /** True when every check passed (issuer trust may still be missing: see `issuer`). */
  ok: boolean;
  entryId?: string;
  /** what the issuer signed, independent of the signature's encoding (docs/receipts.md "Statement identity") */
  statementId?: string;
  iss?: string;
  sub?: string;
  contentType?: string;
  hashEnvelope?: StatementFacts['hashEnvelope'];
  issuer: { verified: boolean; how?: string; reason?: string };
  receipts: ReceiptReport[];
  /** For revocations: the revoked entry ids and the reason. */
  revokes?: string[];
  reason?: string;
  /** The entry this claim names as superseded (header -65537). */
  supersedes?: string;
  /** Verified revocations that name this claim (from referrers, or a status statement: `treeSize` set). */
  revokedBy?: { entryId: string; reason: string; iss?: string; index?: number; ledger?: string; treeSize?: number }[];
  /** Newer claims that supersede this one (explicit claims in hand, or a status statement: `treeSize` set). */
  supersededBy?: { entryId: string; index?: number; how: 'explicit' | 'status'; treeSize?: number }[];
  problems: string[];
  /** with search domains: every domain that holds this claim, in policy order */
  foundIn?: string[];
}

/** Everything {@link verifyClaim} checks against. */
export interface VerifyContext {
  ledgers: TrustStore;
  issuers: IssuerTrust;
  /** Used for certificate validity when the claim has no receipt time. */
  now: () => Date;
}

const msg = (e: unknown): string => (e as Error)?.message ?? String(e);

function digestOfSub(sub: string | undefined): string | undefined {
  if (!sub) return undefined;
  try {
    return parseReference(sub).digest;
  } catch {
    return undefined;
  }
}

async function checkIssuer(r: ClaimReport, statement: CoseSign1, f: StatementFacts, c: VerifyContext): Promise<void> {
  const at = r.receipts[0] ? new Date(r.receipts[0].registeredAt) : c.now();
  const res = c.issuers.resolve(f, at);
  if (!res.key) {
    r.issuer = { verified: false, reason: res.reason };
    return;
  }
  if (statement.payload === null) {
    r.issuer = { verified: false, reason: 'the payload is detached: the issuer signature cannot be checked from the statement alone' };
    return;
  }
  try {
    await verifySign1(statement, res.key);
    r.issuer = { verified: true, how: res.how };
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    r.issuer = { verified: false, reason: `the issuer signature does not verify under ${res.how}: ${e.message}` };
    r.problems.push(`issuer signature: ${e.message} (key: ${res.how})`);
  }
}

function receiptReport(v: VerifiedReceipt, c: VerifyContext): ReceiptReport {
  const t = c.ledgers.keyFor(v.kid);
  return { ledger: v.iss, ...(t ? { trustedAs: t.ledger.name } : {}), logId: v.sub, kid: toHex(v.kid), index: v.leafIndex, treeSize: v.treeSize, registeredAt: new Date(v.iat * 1000).toISOString() };
}

/**
 * Verifies one claim offline.
 * @example
 *   const r = await verifyClaim({ source: 'sbom.ts.cose', statement: bytes }, { ledgers, issuers, now: () => new Date() });
 *   if (!r.ok) console.error(r.problems.join('\n'));
 */
export async function verifyClaim(input: ClaimInput, c: VerifyContext): Promise<ClaimReport> {
  const r: ClaimReport = { source: input.source, kind: input.artifactType === ARTIFACT_TYPE_SCITT_REVOCATION ? 'revocation' : 'claim', ok: false, issuer: { verified: false }, receipts: [], problems: [] };
  if (input.error !== undefined || !input.statement) {
    r.problems.push(input.error ?? 'no statement');
    return r;
  }
  let ts = input.statement;
  let parts: ReturnType<typeof splitTransparentStatement>;
  try {
    parts = splitTransparentStatement(ts);
    if (input.receipt) {
      const carried = parts.receipts.some((x) => bytesEqual(x, input.receipt!));
      if (input.receiptMustMatch && !carried) r.problems.push('the receipt layer is not the receipt the transparent statement carries (one of them was altered)');
      if (!carried) {
        ts = toTransparentStatement(ts, [input.receipt]);
        parts = splitTransparentStatement(ts);
      }
    }
  } catch (e) {
    r.problems.push(msg(e));
    return r;
  }
  let f: StatementFacts;
  try {
    f = statementFacts(parts.statement);
  } catch (e) {
    r.problems.push(`couldn't read the statement's protected header: ${msg(e)}`);
    return r;
  }
  if (parts.statement.payload !== null) r.statementId = statementIdOf(parts.statement);
  if (f.supersedes !== undefined) r.supersedes = f.supersedes;
  Object.assign(r, { ...(f.iss !== undefined && { iss: f.iss }), ...(f.sub !== undefined && { sub: f.sub }), ...(f.contentType !== undefined && { contentType: f.contentType }), ...(f.hashEnvelope && { hashEnvelope: f.hashEnvelope }) });
  try {
    const v = await verifyTransparentStatement(ts, { serviceKeys: (kid) => c.ledgers.keyFor(kid)?.key });
    r.entryId = v.entryId;
    r.receipts = v.receipts.map((x) => receiptReport(x, c));
  } catch (e) {
    r.problems.push(msg(e));
    try {
      r.entryId = entryIdOf(parts.entry);
    } catch {
      // no entry id
    }
  }
  await checkIssuer(r, parts.statement, f, c);
  if (input.subjectDigest !== undefined) {
    const d = digestOfSub(f.sub);
    if (d !== input.subjectDigest) r.problems.push(`the claim is about ${JSON.stringify(f.sub)}, not about collection ${input.subjectDigest}`);
  }
  const annotated = input.annotations?.[ANNOTATION_ENTRY_ID];
  if (annotated !== undefined && r.entryId !== undefined && annotated !== r.entryId) r.problems.push(`the artifact's annotation ${ANNOTATION_ENTRY_ID} says ${annotated}, but the statement is entry ${r.entryId}`);
  if (f.contentType === REVOCATION_CONTENT_TYPE) {
    r.kind = 'revocation';
    try {
      const p = parseRevocationPayload(parts.statement.payload);
      r.revokes = [...p.revokes];
      r.reason = p.reason;
    } catch (e) {
      r.problems.push(msg(e));
    }
  } else if (r.kind === 'revocation') {
    r.problems.push(`the artifact type is ${ARTIFACT_TYPE_SCITT_REVOCATION} but the statement's content type is ${JSON.stringify(f.contentType)}`);
  }
  r.ok = r.problems.length === 0;
  return r;
}

/**
 * Marks claims revoked by verified revocations (any verified revocation registered in a trusted
 * ledger counts: the ledger's admission already checked that the revoker may revoke).
 */
export function applyRevocations(reports: ClaimReport[]): void {
  for (const rev of reports) {
    if (rev.kind !== 'revocation' || !rev.ok || !rev.entryId || rev.receipts.length === 0) continue;
    for (const id of rev.revokes ?? []) {
      for (const claim of sameStatement(reports, id)) {
        if (claim.revokedBy?.some((x) => x.entryId === rev.entryId)) continue; // named twice (both encodings)
        (claim.revokedBy ??= []).push({ entryId: rev.entryId, reason: rev.reason ?? '', ...(rev.iss !== undefined && { iss: rev.iss }), index: rev.receipts[0]!.index, ledger: rev.receipts[0]!.ledger });
      }
    }
  }
}

/**
 * The claims in hand that are entry `id` or the same statement as it (same statement id: another
 * signature encoding of the same signed bytes).
 */
export function sameStatement(reports: readonly ClaimReport[], id: string, statementId?: string): ClaimReport[] {
  const sid = statementId ?? reports.find((r) => r.entryId === id)?.statementId;
  return reports.filter((r) => r.kind === 'claim' && (r.entryId === id || (sid !== undefined && r.statementId === sid)));
}

/**
 * Marks claims superseded by verified claims in hand that name them (header -65537). The ledger
 * admitted the superseding claim only after checking its subject and issuer, so a verified
 * receipt is enough here.
 */
export function applyExplicitSupersession(reports: ClaimReport[]): void {
  for (const c of reports) {
    if (c.kind !== 'claim' || !c.ok || !c.supersedes || !c.entryId || c.receipts.length === 0) continue;
    for (const old of sameStatement(reports, c.supersedes)) {
      if (old === c || old.supersededBy?.some((x) => x.entryId === c.entryId)) continue;
      (old.supersededBy ??= []).push({ entryId: c.entryId, index: c.receipts[0]!.index, how: 'explicit' });
    }
  }
}
