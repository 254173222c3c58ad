/**
 * The consumer's side of `scitt verify`: status statements (freshness, revocations and
 * supersessions that reached the consumer after the copy), the policy file's required kinds
 * decided by issuer precedence, and the fail-closed rule on issuer trust.
 */
import { decideByPrecedence, type PrecedenceClaim } from '../../ledger/src/index.js';
import { StatusError, verifyStatusStatement, type VerifiedStatus } from '../../receipt/src/index.js';
import { sameStatement, type ClaimReport } from './claim.verifier.js';
import { orderFor, type ConsumerPolicy } from './policy.file.js';
import type { TrustStore } from './trust.store.js';

/** A status statement read from a referrer or a file. */
export interface StatusInput {
  source: string;
  bytes?: Uint8Array;
  error?: string;
}

/** The verdict on one status statement. */
export interface StatusReport {
  source: string;
  ok: boolean;
  subject?: string;
  ledger?: string;
  treeSize?: number;
  signedAt?: string;
  ageSeconds?: number;
  revoked?: number;
  superseded?: number;
  problems: string[];
}

/** Verifies status statements about `subject` against the trusted ledger keys; the verified ones come back too. */
export async function verifyStatuses(inputs: readonly StatusInput[], subject: string, ledgers: TrustStore, now: Date): Promise<{ reports: StatusReport[]; verified: (VerifiedStatus & { source: string })[] }> {
  const reports: StatusReport[] = [];
  const verified: (VerifiedStatus & { source: string })[] = [];
  for (const i of inputs) {
    const r: StatusReport = { source: i.source, ok: false, problems: [] };
    reports.push(r);
    if (!i.bytes) {
      r.problems.push(i.error ?? 'unreadable');
      continue;
    }
    try {
      const v = await verifyStatusStatement(i.bytes, (kid) => ledgers.keyFor(kid)?.key, { expectedSubject: subject });
      Object.assign(r, {
        ok: true,
        subject: v.subject,
        ledger: v.iss,
        treeSize: v.treeSize,
        signedAt: new Date(v.iat * 1000).toISOString(),
        ageSeconds: Math.max(0, Math.floor(now.getTime() / 1000) - v.iat),
        revoked: v.entries.filter((e) => e.state === 'revoked').length,
        superseded: v.entries.filter((e) => e.state === 'superseded').length,
      });
      verified.push({ ...v, source: i.source });
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      r.problems.push(`${e.message} (${e.code})`);
    }
  }
  return { reports, verified };
}

/**
 * Applies the newest verified status statement of each ledger: the entries it lists as revoked or
 * superseded (matched by statement id, so another signature encoding of a listed claim is caught).
 */
export function applyStatuses(claims: ClaimReport[], statuses: readonly VerifiedStatus[]): void {
  const newest = new Map<string, VerifiedStatus>();
  for (const s of statuses) {
    const key = `${s.iss}\n${s.logId}`;
    const cur = newest.get(key);
    if (!cur || s.treeSize > cur.treeSize || (s.treeSize === cur.treeSize && s.iat > cur.iat)) newest.set(key, s);
  }
  for (const s of newest.values()) {
    for (const e of s.entries) {
      for (const c of sameStatement(claims, e.entryId, e.statementId)) {
        if (!c.receipts.some((r) => r.ledger === s.iss && r.logId === s.logId)) continue; // another ledger's claim
        if (e.state === 'revoked') {
          if (!c.revokedBy?.some((x) => x.entryId === e.by)) (c.revokedBy ??= []).push({ entryId: e.by, reason: e.reason ?? '', index: e.byIndex, ledger: s.iss, treeSize: s.treeSize });
          else for (const x of c.revokedBy) if (x.entryId === e.by) x.treeSize = s.treeSize;
        } else if (!c.supersededBy?.some((x) => x.entryId === e.by)) {
          (c.supersededBy ??= []).push({ entryId: e.by, index: e.byIndex, how: 'status', treeSize: s.treeSize });
        }
      }
    }
  }
}

/** The verdict on one required kind of the policy file. */
export interface KindVerdict {
  kind: string;
  met: boolean;
  requirement: string;
  /** the deciding claim */
  decidedBy: string | null;
  iss: string | null;
  /** every other claim of the kind and why it lost */
  others: { entryId: string; iss: string; why: string }[];
  reason?: string;
}

/** Why a claim can't decide anything (undefined when it can). */
export function outReason(c: ClaimReport): string | undefined {
  if (!c.ok) return `it failed verification: ${c.problems[0]}`;
  if (!c.issuer.verified) return `its issuer signature is not verified: ${c.issuer.reason ?? 'no issuer trust'}`;
  const rv = c.revokedBy?.[0];
  if (rv) return `revoked by entry ${rv.entryId} at index ${rv.index ?? '?'}${rv.treeSize !== undefined ? ` (status statement at tree size ${rv.treeSize})` : ''}: ${rv.reason}`;
  const sp = c.supersededBy?.[0];
  if (sp) return `superseded by entry ${sp.entryId} at index ${sp.index ?? '?'}${sp.treeSize !== undefined ? ` (status statement at tree size ${sp.treeSize})` : ' (it names this claim)'}`;
  return undefined;
}

function ledgerOk(c: ClaimReport, want: string, trust: TrustStore): boolean {
  return c.receipts.some((r) => {
    if (r.ledger === want || r.trustedAs === want) return true;
    const l = trust.ledgers.find((x) => x.name === r.trustedAs);
    return l?.url !== undefined && l.url.replace(/\/+$/, '') === want.replace(/\/+$/, '');
  });
}

/** Decides each required kind by the policy's issuer precedence. */
export function evaluatePolicy(policy: ConsumerPolicy, claims: readonly ClaimReport[], trust: TrustStore): KindVerdict[] {
  return policy.require.map((req) => {
    const text = `kind=${req.kind}${req.issuer ? `,issuer=${req.issuer}` : ''}${req.ledger ? `,ledger=${req.ledger}` : ''}`;
    const of = claims.filter((c) => c.kind === 'claim' && c.contentType === req.kind && c.entryId !== undefined);
    const pc: PrecedenceClaim[] = of.map((c) => {
      let out = outReason(c);
      if (out === undefined && req.ledger !== undefined && !ledgerOk(c, req.ledger, trust)) out = `it has no receipt from ledger ${req.ledger}`;
      return { entryId: c.entryId!, iss: c.iss ?? '?', kind: req.kind, index: c.receipts[0]?.index ?? -1, ...(out !== undefined ? { out } : {}) };
    });
    const [d] = decideByPrecedence(pc, orderFor(policy, req.kind), [req.kind]);
    const base = { kind: req.kind, requirement: text, decidedBy: d!.decidedBy, iss: d!.iss, others: [...d!.others] };
    if (d!.decidedBy === null) {
      return { ...base, met: false, reason: of.length === 0 ? `no claim of kind ${req.kind} was found` : `no claim of kind ${req.kind} qualifies: ${d!.others.map((o) => `${o.entryId.slice(0, 12)}: ${o.why}`).join('; ')}` };
    }
    if (req.issuer !== undefined && d!.iss !== req.issuer) {
      return { ...base, met: false, reason: `the deciding claim ${d!.decidedBy} is from ${d!.iss}, not from the required issuer ${req.issuer}` };
    }
    return { ...base, met: true };
  });
}
