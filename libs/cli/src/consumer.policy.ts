/**
 * Consumer policies for `scitt verify --require` ("fail closed"). One requirement is a list of
 * `key=value` terms separated by commas; every term must hold for the same claim:
 *
 * | term | the claim … |
 * |---|---|
 * | `content-type=<type>` (or `type=`) | has this payload content type (3, or 259 for hash envelopes) |
 * | `issuer=<iss>` | has this CWT `iss` **and** its signature verified under issuer trust |
 * | `ledger=<id>` | has a verified receipt from this ledger: its receipt `iss`, or the trust-file name/URL of the key that verified it |
 * | `log=<log id>` | has a verified receipt of this log id (receipt CWT `sub`) |
 * | `count=<n>` | at least n distinct claims match (default 1) |
 *
 * A claim counts only when every check passed, its issuer signature verified (against
 * `--issuer-key` / `--trust-anchor`) and it is not revoked. Several `--require` must all hold.
 */
import { usage } from './cli.errors.js';
import type { ClaimReport } from './claim.verifier.js';
import type { TrustStore } from './trust.store.js';

export interface Requirement {
  text: string;
  contentType?: string;
  issuer?: string;
  ledger?: string;
  log?: string;
  count: number;
}

export interface RequirementResult {
  requirement: string;
  met: boolean;
  /** Entry ids of the claims that satisfy it. */
  matchedBy: string[];
  /** Why it is not met (the nearest claims and what they lack). */
  reason?: string;
}

const KEYS: Record<string, keyof Omit<Requirement, 'text' | 'count'> | 'count'> = {
  'content-type': 'contentType',
  type: 'contentType',
  issuer: 'issuer',
  iss: 'issuer',
  ledger: 'ledger',
  log: 'log',
  count: 'count',
};

/**
 * Parses one `--require` value.
 * @example parseRequirement('content-type=application/spdx+json,issuer=https://vendor.example,ledger=https://ledger.example')
 */
export function parseRequirement(text: string): Requirement {
  const req: Requirement = { text, count: 1 };
  const terms = text.split(',').map((t) => t.trim()).filter(Boolean);
  if (terms.length === 0) throw usage(`couldn't read --require ${JSON.stringify(text)}: empty`);
  for (const t of terms) {
    const eq = t.indexOf('=');
    const key = eq > 0 ? t.slice(0, eq).trim().toLowerCase() : '';
    const value = eq > 0 ? t.slice(eq + 1).trim() : '';
    const field = KEYS[key];
    if (!field || !value) throw usage(`couldn't read --require term ${JSON.stringify(t)}: want key=value with key one of content-type, issuer, ledger, log, count`);
    if (field === 'count') {
      if (!/^[1-9][0-9]{0,5}$/.test(value)) throw usage(`couldn't read --require count=${value}: want a whole number ≥ 1`);
      req.count = Number(value);
    } else {
      if (req[field] !== undefined) throw usage(`couldn't read --require ${JSON.stringify(text)}: ${key} given twice`);
      req[field] = value;
    }
  }
  return req;
}

function ledgerMatches(r: ClaimReport['receipts'][number], want: string, trust: TrustStore): boolean {
  if (r.ledger === want || r.trustedAs === want) return true;
  const l = trust.ledgers.find((x) => x.name === r.trustedAs);
  return l?.url !== undefined && l.url.replace(/\/+$/, '') === want.replace(/\/+$/, '');
}

/** Why a claim does not satisfy `req` (undefined when it does). */
function whyNot(c: ClaimReport, req: Requirement, trust: TrustStore): string | undefined {
  if (c.kind !== 'claim') return 'it is a revocation';
  if (req.contentType !== undefined && c.contentType !== req.contentType) return `content type is ${JSON.stringify(c.contentType)}`;
  if (req.issuer !== undefined && c.iss !== req.issuer) return `issuer is ${JSON.stringify(c.iss)}`;
  if (!c.ok) return `it failed verification: ${c.problems[0]}`;
  if (!c.issuer.verified) return `its issuer signature is not verified: ${c.issuer.reason ?? 'no issuer trust'}`;
  if (c.revokedBy?.length) {
    const r = c.revokedBy[0]!;
    return `it is revoked by entry ${r.entryId}${r.index !== undefined ? ` at index ${r.index}` : ''}${r.treeSize !== undefined ? ` (status statement at tree size ${r.treeSize})` : ''} (${r.reason})`;
  }
  if (c.supersededBy?.length) {
    const r = c.supersededBy[0]!;
    return `it is superseded by entry ${r.entryId}${r.index !== undefined ? ` at index ${r.index}` : ''}${r.treeSize !== undefined ? ` (status statement at tree size ${r.treeSize})` : ''}`;
  }
  if (req.ledger !== undefined && !c.receipts.some((r) => ledgerMatches(r, req.ledger!, trust))) return `it has no receipt from ledger ${req.ledger} (has ${c.receipts.map((r) => r.ledger).join(', ') || 'none'})`;
  if (req.log !== undefined && !c.receipts.some((r) => r.logId === req.log)) return `it has no receipt from log ${req.log}`;
  return undefined;
}

/** Evaluates requirements against verified claims. */
export function evaluateRequirements(reqs: readonly Requirement[], claims: readonly ClaimReport[], trust: TrustStore): RequirementResult[] {
  return reqs.map((req) => {
    const matched = new Set<string>();
    const misses: string[] = [];
    for (const c of claims) {
      const why = whyNot(c, req, trust);
      if (why === undefined) matched.add(c.entryId ?? c.source);
      else if (c.kind === 'claim') misses.push(`${c.entryId ? c.entryId.slice(0, 12) : c.source}: ${why}`);
    }
    const met = matched.size >= req.count;
    return {
      requirement: req.text,
      met,
      matchedBy: [...matched],
      ...(met ? {} : { reason: `${matched.size} of the required ${req.count} claim(s) match${misses.length ? `; ${misses.slice(0, 5).join('; ')}` : claims.length === 0 ? '; no claims were found' : ''}` }),
    };
  });
}
