/**
 * Search domains (docs/cli.md#search-domains): the consumer policy's ordered list of places where
 * the referrers of a collection digest are looked up — registry repositories, OCI layout
 * directories and ledgers. `scitt verify sha256:<hex>` consults every domain in order and merges
 * what they hold; the verdict deduplicates claims by entry id and says where each was found. A
 * domain that can't be reached is reported and skipped, unless the policy marks it `required`.
 */
import { REVOCATION_CONTENT_TYPE } from '../../ledger/src/index.js';
import { ARTIFACT_TYPE_SCITT_REVOCATION, type RegistryClient } from '../../oci/src/index.js';
import type { ClaimInput, ClaimReport } from './claim.verifier.js';
import { claimsFromReferrers, layoutSource, registrySource, statusFromReferrers, type ReferrerSource } from './claim.sources.js';
import type { StatusInput } from './consumer.verdict.js';
import { LedgerClient } from './ledger.client.js';
import { describeDomain, type SearchDomain } from './search.domains.config.js';

export { describeDomain, parseSearchDomains, type SearchDomain } from './search.domains.config.js';

/** What one domain gave. */
export interface DomainReport {
  domain: string;
  kind: SearchDomain['kind'];
  required: boolean;
  reachable: boolean;
  /** claim and revocation artifacts found */
  claims: number;
  statuses: number;
  error?: string;
}

/** A ledger as a source: its claims about the digest (`GET /claims?subject=`), each as a transparent statement, and its status statement. */
async function fromLedger(url: string, digest: string): Promise<{ claims: ClaimInput[]; statuses: StatusInput[] }> {
  const client = new LedgerClient(url, { timeoutMs: 10_000 });
  const claims: ClaimInput[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const q = `/claims?subject=${encodeURIComponent(digest)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const body = await client.json<{ items?: { entryId: string; contentType?: string }[]; next?: string | null }>(q, `read the claims about ${digest}`);
    for (const c of body.items ?? []) {
      const source = `ledger ${url} entry ${c.entryId}`;
      try {
        claims.push({ source, subjectDigest: digest, statement: await client.transparentStatement(c.entryId), ...(c.contentType === REVOCATION_CONTENT_TYPE ? { artifactType: ARTIFACT_TYPE_SCITT_REVOCATION } : {}) });
      } catch (e) {
        claims.push({ source, subjectDigest: digest, error: `couldn't fetch the transparent statement: ${(e as Error).message}` });
      }
    }
    cursor = body.next ?? undefined;
    if (!cursor) break;
  }
  const res = await client.request(`/subjects/${digest}/status`, 'fetch the status statement');
  const statuses: StatusInput[] = res.ok ? [{ source: `ledger ${url} status of ${digest}`, bytes: new Uint8Array(await res.arrayBuffer()) }] : [];
  return { claims, statuses };
}

/**
 * Looks up `digest` in every domain, in order. Never throws for a domain that can't be reached:
 * its report says why (the verdict decides whether that is fatal).
 */
export async function searchDomains(
  domains: readonly SearchDomain[],
  digest: string,
  deps: { client: (registry: string) => RegistryClient; progress: (s: string) => void },
): Promise<{ claims: ClaimInput[]; statuses: StatusInput[]; domains: DomainReport[]; ignored: number; domainOf: Map<string, string> }> {
  const claims: ClaimInput[] = [];
  const statuses: StatusInput[] = [];
  const reports: DomainReport[] = [];
  const domainOf = new Map<string, string>();
  let ignored = 0;
  for (const d of domains) {
    const name = describeDomain(d);
    const rep: DomainReport = { domain: name, kind: d.kind, required: d.required, reachable: false, claims: 0, statuses: 0 };
    reports.push(rep);
    deps.progress(`search domain ${name}`);
    try {
      let found: { claims: ClaimInput[]; statuses: StatusInput[] };
      if (d.kind === 'ledger') {
        found = await fromLedger(d.location, digest);
      } else {
        const src: ReferrerSource = d.kind === 'oci-layout' ? await layoutSource(d.location) : registrySource(deps.client(d.location.split('/')[0]!), d.location.split('/').slice(1).join('/'));
        const r = await claimsFromReferrers(src, digest, deps.progress);
        ignored += r.ignored - r.statuses;
        found = { claims: r.claims, statuses: await statusFromReferrers(src, digest) };
      }
      rep.reachable = true;
      rep.claims = found.claims.length;
      rep.statuses = found.statuses.length;
      for (const c of found.claims) domainOf.set(c.source, name);
      claims.push(...found.claims);
      statuses.push(...found.statuses);
    } catch (e) {
      rep.error = (e as Error).message ?? String(e);
    }
  }
  return { claims, statuses, domains: reports, ignored, domainOf };
}

/**
 * Merges verified claims found in several domains: one report per entry id (the first verified
 * copy, in domain order), with `foundIn` listing every domain that holds it. Copies that failed
 * verification are kept as they are (an altered copy anywhere fails the run).
 */
export function mergeByEntryId(claims: readonly ClaimReport[], domainOf: ReadonlyMap<string, string>): ClaimReport[] {
  const out: ClaimReport[] = [];
  const byId = new Map<string, ClaimReport>();
  for (const c of claims) {
    const where = domainOf.get(c.source);
    if (!c.ok || c.entryId === undefined) {
      out.push({ ...c, ...(where ? { foundIn: [where] } : {}) });
      continue;
    }
    const first = byId.get(c.entryId);
    if (first) {
      if (where && !first.foundIn?.includes(where)) (first.foundIn ??= []).push(where);
      continue;
    }
    const copy: ClaimReport = { ...c, ...(where ? { foundIn: [where] } : {}) };
    byId.set(c.entryId, copy);
    out.push(copy);
  }
  return out;
}

/** Why the domains fail verification (a required one unreachable), or undefined. */
export function domainsFailure(reports: readonly DomainReport[]): string | undefined {
  const bad = reports.find((r) => r.required && !r.reachable);
  return bad ? `required search domain ${bad.domain} could not be reached: ${bad.error}` : undefined;
}
