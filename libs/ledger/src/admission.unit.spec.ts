import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideAdmission, isOciCollectionSubject, type StatementFacts } from './admission.js';
import { developmentPolicy, parsePolicy, PolicyError, type RegistrationPolicy } from './policy.js';

const production = (over: Record<string, unknown> = {}): RegistrationPolicy =>
  parsePolicy({ version: 1, mode: 'production', issuers: [{ iss: 'https://vendor.example', keys: [], mayRevokeFor: ['https://partner.example'] }, { iss: 'https://auditor.example', mayRevokeFor: ['*'] }], ...over });

const facts = (over: Partial<StatementFacts> = {}): StatementFacts => ({
  alg: -7,
  iss: 'https://vendor.example',
  kid: 'k-vendor',
  sub: 'registry.example/app@sha256:' + 'a'.repeat(64),
  contentType: 'application/vnd.in-toto+json',
  size: 1000,
  keySource: 'registered',
  revokes: null,
  ...over,
});

const owners: Record<string, { iss: string; kid: string }> = {
  ['1'.repeat(64)]: { iss: 'https://vendor.example', kid: 'k-vendor' },
  ['2'.repeat(64)]: { iss: 'https://partner.example', kid: 'k-partner' },
  ['3'.repeat(64)]: { iss: 'https://other.example', kid: 'k-other' },
  ['5'.repeat(64)]: { iss: 'https://vendor.example', kid: 'k-vendor-old' },
};
const view = { issuerOf: (id: string) => owners[id] };

describe('decideAdmission', () => {
  const table: [string, RegistrationPolicy, Partial<StatementFacts>, string | null][] = [
    ['registered key, production', production(), {}, null],
    ['self-carried key, development', developmentPolicy(), { keySource: 'self-carried' }, null],
    ['self-carried key, production', production(), { keySource: 'self-carried' }, 'ERR_POLICY_UNTRUSTED_KEY'],
    ['trust-anchored chain, production', production(), { keySource: 'trust-anchor' }, null],
    ['algorithm not allowed', production({ algorithms: ['ES384'] }), { alg: -7 }, 'ERR_POLICY_ALGORITHM'],
    ['too large', production({ maxStatementBytes: 500 }), { size: 501 }, 'ERR_POLICY_TOO_LARGE'],
    ['size at the limit', production({ maxStatementBytes: 500 }), { size: 500 }, null],
    ['content type allowed', production({ contentTypes: ['application/spdx+json'] }), { contentType: 'application/spdx+json' }, null],
    ['content type refused', production({ contentTypes: ['application/spdx+json'] }), {}, 'ERR_POLICY_CONTENT_TYPE'],
    ['subject must be an OCI digest', production({ requireOciSubject: true }), { sub: 'registry.example/app:latest' }, 'ERR_POLICY_SUBJECT'],
    ['subject is an OCI digest', production({ requireOciSubject: true }), {}, null],
    ['revoke own entry', production(), { revokes: ['1'.repeat(64)] }, null],
    ['revoke an entry of an issuer we may revoke for', production(), { revokes: ['2'.repeat(64)] }, null],
    ['revoke a foreign entry', production(), { revokes: ['3'.repeat(64)] }, 'ERR_REVOCATION_FOREIGN_ENTRY'],
    ['revoke an unknown entry', production(), { revokes: ['4'.repeat(64)] }, 'ERR_REVOCATION_UNKNOWN_ENTRY'],
    ['a revocation authority revokes anyone', production(), { iss: 'https://auditor.example', revokes: ['3'.repeat(64)] }, null],
    ['one foreign entry spoils the revocation', production(), { revokes: ['1'.repeat(64), '3'.repeat(64)] }, 'ERR_REVOCATION_FOREIGN_ENTRY'],
    ['a registered issuer revokes its entry signed by its other key', production(), { revokes: ['5'.repeat(64)] }, null],
    ['the same self-carried key revokes its own entry (development)', developmentPolicy(), { keySource: 'self-carried', kid: 'k-other', iss: 'https://other.example', revokes: ['3'.repeat(64)] }, null],
    ['a self-carried key claiming the same iss may not revoke (development)', developmentPolicy(), { keySource: 'self-carried', kid: 'k-mallory', iss: 'https://other.example', revokes: ['3'.repeat(64)] }, 'ERR_REVOCATION_FOREIGN_ENTRY'],
    ['a trust-anchored key for the same iss may revoke', production(), { keySource: 'trust-anchor', kid: 'x5t:new', iss: 'https://other.example', revokes: ['3'.repeat(64)] }, null],
  ];
  for (const [name, policy, over, want] of table) {
    it(name, () => {
      const a = decideAdmission(facts(over), policy, view);
      if (want === null) assert.deepEqual(a, { admitted: true });
      else {
        assert.equal(a.admitted, false);
        assert.equal(!a.admitted && a.code, want);
        assert.ok(!a.admitted && a.detail.length > 10);
      }
    });
  }
});

describe('isOciCollectionSubject', () => {
  const d = 'sha256:' + 'b'.repeat(64);
  for (const [s, ok] of [
    [`registry.example/app@${d}`, true],
    [`oci://localhost:5000/team/app@${d}`, true],
    [`registry.example/app:1.0`, false],
    [`registry.example/App@${d}`, false],
    [`app@${d}`, false],
    [`registry.example/app@sha256:abc`, false],
  ] as const) {
    it(`${s} → ${ok}`, () => assert.equal(isOciCollectionSubject(s), ok));
  }
});

describe('parsePolicy', () => {
  const bad: [string, unknown, RegExp][] = [
    ['not a mapping', 'x', /must be a mapping/],
    ['wrong version', { version: 2 }, /version must be 1/],
    ['unknown field', { version: 1, issuer: [] }, /issuer is not a policy field/],
    ['bad mode', { version: 1, mode: 'lenient' }, /mode must be/],
    ['unknown algorithm', { version: 1, algorithms: ['RS256'] }, /algorithms\[0\] is not one of/],
    ['tiny size', { version: 1, maxStatementBytes: 1 }, /maxStatementBytes/],
    ['issuer without iss', { version: 1, issuers: [{}] }, /issuers\[0\]\.iss/],
    ['repeated issuer', { version: 1, issuers: [{ iss: 'a' }, { iss: 'a' }] }, /repeats a/],
    ['private key', { version: 1, issuers: [{ iss: 'a', keys: [{ jwk: { kty: 'EC', d: 'x' } }] }] }, /private key/],
    ['anchor not PEM', { version: 1, trustAnchors: ['abc'] }, /PEM certificate/],
  ];
  for (const [name, doc, re] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => parsePolicy(doc), (e: unknown) => e instanceof PolicyError && re.test(e.message)));
  }
  it('defaults to production with every supported algorithm', () => {
    const p = parsePolicy({ version: 1 });
    assert.equal(p.mode, 'production');
    assert.deepEqual([...p.algorithms].sort(), [-35, -8, -7].sort());
  });
});

describe('policy submitters (identity → issuers)', () => {
  it('parses, validates and evaluates the binding; a policy without it keeps its canonical form', async () => {
    const { canonicalPolicyJson, submitterMayRegister } = await import('./policy.js');
    const base = { version: 1, mode: 'production' };
    assert.equal(canonicalPolicyJson(parsePolicy(base)).includes('submitters'), false);
    const p = parsePolicy({ ...base, submitters: [{ identity: 'token:ci', issuers: ['https://a'] }, { identity: 'oidc:repo:x', issuers: ['*'] }] });
    assert.deepEqual(submitterMayRegister(p, 'token:ci', 'https://a'), { ok: true });
    assert.equal(submitterMayRegister(p, 'token:ci', 'https://b').ok, false);
    assert.deepEqual(submitterMayRegister(p, 'oidc:repo:x', 'https://b'), { ok: true });
    assert.equal(submitterMayRegister(p, 'token:other', 'https://a').ok, false);
    assert.deepEqual(submitterMayRegister(parsePolicy(base), 'token:anyone', 'https://z'), { ok: true });
    for (const [bad, why] of [
      [{ identity: 'ci', issuers: ['*'] }, /submitters\[0\]\.identity/],
      [{ identity: 'token:ci', issuers: [] }, /at least one issuer/],
      [{ identity: 'token:ci', issuers: ['*'], role: 'x' }, /role is not a submitter field/],
    ] as const) {
      assert.throws(() => parsePolicy({ ...base, submitters: [bad] }), why);
    }
    assert.throws(() => parsePolicy({ ...base, submitters: [{ identity: 'token:a', issuers: ['*'] }, { identity: 'token:a', issuers: ['*'] }] }), /repeats/);
  });
});
