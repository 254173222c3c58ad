/**
 * The consumer policy's `searchDomains:` (docs/cli.md#search-domains): an ordered list of registry
 * repositories, OCI layout directories and ledgers where `scitt verify sha256:…` looks for the
 * referrers of a digest. Parsing only; the lookup is in search.domains.ts.
 */
import { isAbsolute, resolve } from 'node:path';
import { parseReference } from '../../oci/src/index.js';

/** One place to look. */
export interface SearchDomain {
  kind: 'registry' | 'oci-layout' | 'ledger';
  /** `registry/repository`, the layout directory (absolute), or the ledger URL */
  location: string;
  /** an unreachable required domain fails verification; others are reported and skipped */
  required: boolean;
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
      d = { kind: 'registry', location: `${ref.registry.toLowerCase()}/${ref.repository}`, required: r.required === true };
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

