import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { domainsFailure, mergeByEntryId, parseSearchDomains, type DomainReport } from './search.domains.js';
import type { ClaimReport } from './claim.verifier.js';

const fail = (field: string, why: string): never => {
  throw new Error(`${field} ${why}`);
};
const parse = (v: unknown) => parseSearchDomains(v, '/policies', fail);

describe('searchDomains in the consumer policy', () => {
  it('registries, layouts (relative to the policy file) and ledgers, in order, required only when said', () => {
    assert.deepEqual(parse([{ registry: 'Registry.Example/acme/app' }, { ociLayout: 'mirror', required: true }, { ledger: 'https://ledger.example/' }]), [
      { kind: 'registry', location: 'registry.example/acme/app', required: false },
      { kind: 'oci-layout', location: '/policies/mirror', required: true },
      { kind: 'ledger', location: 'https://ledger.example', required: false },
    ]);
    assert.deepEqual(parse(undefined), []);
  });
  it('mistakes name the field', () => {
    for (const [v, want] of [
      [{}, /searchDomains must be a list/],
      [[{ registry: 'r.example/a', ociLayout: 'x' }], /searchDomains\[0\] must name exactly one of registry, ociLayout, ledger/],
      [[{ registry: 'r.example/a@sha256:' + '0'.repeat(64) }], /searchDomains\[0\]\.registry names a repository, without tag or digest/],
      [[{ registry: 'r.example/a:v1' }], /without tag or digest/],
      [[{ ledger: 'ftp://x' }], /searchDomains\[0\]\.ledger must be an http\(s\) URL/],
      [[{ ociLayout: 'm', required: 'yes' }], /searchDomains\[0\]\.required must be true or false/],
      [[{ ociLayout: 'm', path: 'x' }], /searchDomains\[0\]\.path is not a field/],
      [[{ ociLayout: 'm' }, { ociLayout: '/policies/m' }], /searchDomains\[1\] repeats oci-layout \/policies\/m/],
    ] as const) {
      assert.throws(() => parse(v), want);
    }
  });
});

const report = (source: string, entryId: string | undefined, ok = true): ClaimReport => ({ source, kind: 'claim', ok, ...(entryId ? { entryId } : {}), issuer: { verified: ok }, receipts: [], problems: ok ? [] : ['altered'] });

describe('merging what the domains hold', () => {
  it('one report per entry id, the first verified copy, with every domain that holds it in order', () => {
    const domainOf = new Map([
      ['a1', 'A'],
      ['b1', 'B'],
      ['b2', 'B'],
      ['c1', 'C'],
    ]);
    const merged = mergeByEntryId([report('a1', 'e1'), report('b1', 'e1'), report('b2', 'e2'), report('c1', 'e1')], domainOf);
    assert.deepEqual(merged.map((c) => [c.entryId, c.foundIn]), [
      ['e1', ['A', 'B', 'C']],
      ['e2', ['B']],
    ]);
  });
  it('a copy that failed verification stays on its own (an altered copy anywhere fails the run)', () => {
    const merged = mergeByEntryId([report('a1', 'e1'), report('b1', 'e1', false)], new Map([['a1', 'A'], ['b1', 'B']]));
    assert.equal(merged.length, 2);
    assert.deepEqual(merged[1]!.foundIn, ['B']);
    assert.equal(merged[1]!.ok, false);
  });
  it('only a required domain that is down fails', () => {
    const d = (required: boolean, reachable: boolean): DomainReport => ({ domain: 'r.example/a', kind: 'registry', required, reachable, claims: 0, statuses: 0, ...(reachable ? {} : { error: 'ECONNREFUSED' }) });
    assert.equal(domainsFailure([d(false, false), d(true, true)]), undefined);
    assert.equal(domainsFailure([d(true, false)]), 'required search domain r.example/a could not be reached: ECONNREFUSED');
  });
});
