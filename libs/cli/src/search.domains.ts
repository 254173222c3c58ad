/**
 * Search domains (docs/cli.md#search-domains): the consumer policy's ordered list of places where
 * the referrers of a collection digest are looked up — registry repositories, OCI layout
 * directories and ledgers. `scitt verify sha256:<hex>` consults every domain in order and merges
 * what they hold; the verdict deduplicates claims by entry id and says where each was found. A
 * domain that can't be reached is reported and skipped, unless the policy marks it `required`.
 */
import { isAbsolute, resolve } from 'node:path';
import { REVOCATION_CONTENT_TYPE } from '../../ledger/src/index.js';
import { ARTIFACT_TYPE_SCITT_REVOCATION, parseReference, type RegistryClient } from '../../oci/src/index.js';
import type { ClaimInput, ClaimReport } from './claim.verifier.js';
import { claimsFromReferrers, layoutSource, registrySource, statusFromReferrers, type ReferrerSource } from './claim.sources.js';
import type { StatusInput } from './consumer.verdict.js';
import { LedgerClient } from './ledger.client.js';

/** One place to look. */
export interface SearchDomain {
  kind: 'registry' | 'oci-layout' | 'ledger';
  /** `registry/repository`, the layout directory (absolute), or the ledger URL */
  location: string;
  /** an unreachable required domain fails verification; others are reported and skipped */
  required: boolean;
}

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

export const describeDomain = (d: SearchDomain): string => (d.kind === 'oci-layout' ? `oci-layout ${d.location}` : d.kind === 'ledger' ? `ledger ${d.location}` : d.location);

const FIELDS = new Set(['registry', 'ociLayout', 'ledger', 'required']);

/**
 * Reads the policy's `searchDomains:` list. Each entry is one of `{ registry: host[:port]/repo }`,
 * `{ ociLayout: dir }` (relative to the policy file) or `{ ledger: https://… }`, with `required: true|false`.
 */
export function parseSearchDomains(v: unknown, base: string, fail: (field: string, why: string) => never): SearchDomain[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('searchDomains', 'must be a list');
  const seen = new Set<string>();
  return (v as unknown[]).map((raw, i): SearchDomain => {
    const f = `searchDomains[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(f, 'must be a mapping');
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!FIELDS.has(k)) fail(`${f}.${k}`, 'is not a field (registry, ociLayout, ledger, required)');
    const kinds = (['registry', 'ociLayout', 'ledger'] as const).filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) fail(f, 'must name exactly one of registry, ociLayout, ledger');
    const k = kinds[0]!;
    const value = r[k];
    if (typeof value !== 'string' || value === '') fail(`${f}.${k}`, 'must be a non-empty string');
    if (r.required !== undefined && typeof r.required !== 'boolean') fail(`${f}.required`, 'must be true or false');
    let d: SearchDomain;
    if (k === 'registry') {
      let ref;
      try {
        ref = parseReference(value);
      } catch {
        return fail(`${f}.registry`, `must be registry/repository (e.g. registry.example/acme/app), not ${JSON.stringify(value)}`);
      }
      if (ref.digest || (ref.tag && ref.tag !== 'latest' && value.includes(':' + ref.tag))) fail(`${f}.registry`, 'names a repository, without tag or digest');
      d = { kind: 'registry', location: `${ref.registry}/${ref.repository}`, required: r.required === true };
    } else if (k === 'ociLayout') {
      d = { kind: 'oci-layout', location: isAbsolute(value) ? value : resolve(base, value), required: r.required === true };
    } else {
      let u: URL;
      try {
        u = new URL(value);
      } catch {
        return fail(`${f}.ledger`, `must be an http(s) URL, not ${JSON.stringify(value)}`);
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') fail(`${f}.ledger`, 'must be an http(s) URL');
      d = { kind: 'ledger', location: value.replace(/\/+$/, ''), required: r.required === true };
    }
    const key = `${d.kind} ${d.location}`;
    if (seen.has(key)) fail(f, `repeats ${describeDomain(d)}`);
    seen.add(key);
    return d;
  });
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
