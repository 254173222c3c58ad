/** Explicit supersession at admission, the supersedes header reader, subject digests. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideAdmission, type StatementFacts } from './admission.js';
import { developmentPolicy, parsePolicy, canonicalPolicyJson } from './policy.js';
import { SUPERSEDES_HEADER_LABEL, SupersedesFormatError, subjectDigestOf, supersededEntryOf } from './supersession.js';

const D = 'sha256:' + 'a'.repeat(64);
const policy = parsePolicy({
  version: 1,
  mode: 'production',
  issuers: [
    { iss: 'https://vendor.example', keys: [] },
    { iss: 'https://scanner.example', keys: [], maySupersedeFor: ['https://vendor.example'] },
    { iss: 'https://anyone.example', keys: [], maySupersedeFor: ['*'] },
  ],
});
const owners: Record<string, { iss: string; kid: string; sub: string }> = {
  ['1'.repeat(64)]: { iss: 'https://vendor.example', kid: 'k-vendor', sub: `vendor.example/acme/app@${D}` },
  ['2'.repeat(64)]: { iss: 'https://other.example', kid: 'k-other', sub: `oci://golden.example/prod/app@${D}` },
  ['3'.repeat(64)]: { iss: 'https://vendor.example', kid: 'k-vendor', sub: 'pkg:npm/x@1' },
};
const view = { issuerOf: (id: string) => owners[id] };
const facts = (over: Partial<StatementFacts>): StatementFacts => ({
  alg: -7, iss: 'https://vendor.example', kid: 'k-vendor', sub: `golden.example/prod/app:v1@${D}`, contentType: 'application/sarif+json', size: 100, keySource: 'registered', revokes: null, ...over,
});

describe('explicit supersession at admission', () => {
  const table: [string, Partial<StatementFacts>, string | null][] = [
    ['own entry, same digest under another reference', { supersedes: '1'.repeat(64) }, null],
    ['unknown entry', { supersedes: 'f'.repeat(64) }, 'ERR_SUPERSEDES_UNKNOWN_ENTRY'],
    ['another digest', { supersedes: '1'.repeat(64), sub: `vendor.example/acme/app@sha256:${'b'.repeat(64)}` }, 'ERR_SUPERSEDES_OTHER_SUBJECT'],
    ['a non-OCI subject must match exactly', { supersedes: '3'.repeat(64), sub: 'pkg:npm/x@1' }, null],
    ['another issuer without permission', { supersedes: '1'.repeat(64), iss: 'https://intruder.example', kid: 'k-intruder' }, 'ERR_SUPERSEDES_FOREIGN_ENTRY'],
    ['same iss, self-carried key (proves no name)', { supersedes: '1'.repeat(64), kid: 'k-self', keySource: 'self-carried' }, 'ERR_SUPERSEDES_FOREIGN_ENTRY'],
    ['same iss bound to another registered key', { supersedes: '1'.repeat(64), kid: 'k-vendor-2' }, null],
    ['maySupersedeFor names the owner', { supersedes: '1'.repeat(64), iss: 'https://scanner.example', kid: 'k-scanner' }, null],
    ['maySupersedeFor names someone else', { supersedes: '2'.repeat(64), iss: 'https://scanner.example', kid: 'k-scanner' }, 'ERR_SUPERSEDES_FOREIGN_ENTRY'],
    ['maySupersedeFor *', { supersedes: '2'.repeat(64), iss: 'https://anyone.example', kid: 'k-any' }, null],
    ['a revocation may not supersede', { supersedes: '1'.repeat(64), revokes: ['1'.repeat(64)], contentType: 'application/vnd.scitt-ledger.revocation+json' }, 'ERR_SUPERSEDES_REVOCATION'],
  ];
  for (const [name, over, code] of table) {
    it(name, () => {
      const a = decideAdmission(facts(over), over.keySource === 'self-carried' ? { ...developmentPolicy(), issuers: policy.issuers } : policy, view);
      if (code === null) assert.deepEqual(a, { admitted: true });
      else {
        assert.equal(a.admitted, false);
        assert.equal(!a.admitted && a.code, code);
        assert.equal(!a.admitted && a.title, 'Rejected');
      }
    });
  }
  it('maySupersedeFor leaves the canonical policy (and its digest) unchanged when absent', () => {
    const plain = parsePolicy({ version: 1, issuers: [{ iss: 'a', keys: [] }] });
    assert.equal(canonicalPolicyJson(plain).includes('maySupersedeFor'), false);
    assert.match(canonicalPolicyJson(policy), /"maySupersedeFor":\["https:\/\/vendor.example"\]/);
  });
});

describe('supersedes header and subject digests', () => {
  it('reads the label only as 64 lowercase hex text', () => {
    assert.equal(supersededEntryOf(new Map()), null);
    assert.equal(supersededEntryOf(new Map([[SUPERSEDES_HEADER_LABEL, 'a'.repeat(64)]])), 'a'.repeat(64));
    for (const bad of ['A'.repeat(64), 'a'.repeat(63), '', new Uint8Array(32), 1, null]) {
      assert.throws(() => supersededEntryOf(new Map<number, unknown>([[SUPERSEDES_HEADER_LABEL, bad]])), SupersedesFormatError);
    }
  });
  it('subject digests from every reference form', () => {
    for (const s of [D, `r.example/app@${D}`, `oci://r.example:5000/a/b:v1@${D}`]) assert.equal(subjectDigestOf(s), D, s);
    for (const s of ['pkg:npm/x@1', 'r.example/app:latest', `${D}x`, 'sha256:' + 'A'.repeat(64)]) assert.equal(subjectDigestOf(s), null, s);
  });
});
