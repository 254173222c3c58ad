/** `--require` parsing and evaluation (tables), durations, `[iss=]file` arguments. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClaimReport } from './claim.verifier.js';
import { parseDuration } from './cli.context.js';
import { CliError } from './cli.errors.js';
import { evaluateRequirements, parseRequirement } from './consumer.policy.js';
import { parseIssuerKeyArg } from './issuer.trust.js';
import { TrustStore } from './trust.store.js';
import { verdict } from './verify.commands.js';

const claim = (over: Partial<ClaimReport> = {}): ClaimReport => ({
  source: 's',
  kind: 'claim',
  ok: true,
  entryId: 'e'.repeat(64),
  iss: 'https://vendor.example',
  contentType: 'application/spdx+json',
  issuer: { verified: true, how: 'pinned' },
  receipts: [{ ledger: 'https://ledger.example', trustedAs: 'prod', logId: 'main', kid: 'k', index: 3, treeSize: 9, registeredAt: '2026-01-01T00:00:00.000Z' }],
  problems: [],
  ...over,
});

describe('consumer policy (--require)', () => {
  it('parses terms, rejects bad ones with a usage error', () => {
    assert.deepEqual(parseRequirement('content-type=application/spdx+json, issuer=https://v.example ,ledger=prod,count=2'), {
      text: 'content-type=application/spdx+json, issuer=https://v.example ,ledger=prod,count=2',
      contentType: 'application/spdx+json',
      issuer: 'https://v.example',
      ledger: 'prod',
      count: 2,
    });
    for (const bad of ['', 'colour=red', 'issuer=', 'count=0', 'count=x', 'issuer=a,issuer=b', 'noequals']) {
      assert.throws(() => parseRequirement(bad), (e: unknown) => e instanceof CliError && e.exitCode === 2, bad);
    }
  });

  const trust = new TrustStore([{ name: 'prod', url: 'https://ledger.example:8443', keys: [] }]);
  const table: [string, ClaimReport[], boolean, RegExp?][] = [
    ['content-type=application/spdx+json', [claim()], true],
    ['content-type=application/vnd.in-toto+json', [claim()], false, /content type is "application\/spdx\+json"/],
    ['issuer=https://vendor.example,ledger=https://ledger.example', [claim()], true],
    ['ledger=prod', [claim()], true],
    ['ledger=https://ledger.example:8443/', [claim()], true],
    ['ledger=other', [claim()], false, /no receipt from ledger other/],
    ['log=main', [claim()], true],
    ['issuer=https://vendor.example', [claim({ issuer: { verified: false, reason: 'no trust' } })], false, /issuer signature is not verified/],
    ['issuer=https://vendor.example', [claim({ ok: false, problems: ['bad proof'] })], false, /failed verification: bad proof/],
    ['issuer=https://vendor.example', [claim({ revokedBy: [{ entryId: 'r'.repeat(64), reason: 'oops' }] })], false, /revoked by entry/],
    ['issuer=https://vendor.example,count=2', [claim(), claim({ entryId: 'f'.repeat(64) })], true],
    ['issuer=https://vendor.example,count=2', [claim(), claim()], false, /1 of the required 2/],
    ['content-type=application/spdx+json', [], false, /no claims were found/],
  ];
  for (const [req, claims, met, why] of table) {
    it(`${req} over ${claims.length} claim(s) → ${met ? 'met' : 'not met'}`, () => {
      const [r] = evaluateRequirements([parseRequirement(req)], claims, trust);
      assert.equal(r!.met, met, r!.reason);
      if (why) assert.match(r!.reason!, why);
    });
  }

  it('verdict: failures first, then policy, then "nothing found" / "all revoked"', () => {
    assert.equal(verdict([claim()], [], false), undefined);
    assert.match(verdict([claim(), claim({ ok: false, problems: ['tampered'] })], [], false)!, /1 of 2 artifact\(s\) failed verification: s: tampered/);
    assert.match(verdict([], [], false)!, /no claims were found/);
    assert.match(verdict([claim({ revokedBy: [{ entryId: 'x', reason: 'r' }] })], [], false)!, /every claim found is revoked/);
    assert.match(verdict([claim()], [{ requirement: 'x', met: false, matchedBy: [], reason: 'why' }], true)!, /policy not met: --require "x": why/);
  });
});

describe('argument helpers', () => {
  it('parseDuration', () => {
    for (const [s, ms] of [['500ms', 500], ['30s', 30_000], ['2m', 120_000], ['1h', 3_600_000], ['5', 5000], ['1.5s', 1500]] as const) assert.equal(parseDuration(s), ms, s);
    for (const bad of ['', 'soon', '-1s', '1d']) assert.throws(() => parseDuration(bad), CliError, bad);
  });
  it('parseIssuerKeyArg: an existing file wins; else the last = splits iss and file', () => {
    assert.deepEqual(parseIssuerKeyArg('a=b.pem', () => true), { file: 'a=b.pem' });
    assert.deepEqual(parseIssuerKeyArg('https://v.example/?x=1=v.pem', () => false), { iss: 'https://v.example/?x=1', file: 'v.pem' });
    assert.deepEqual(parseIssuerKeyArg('v.pem', () => false), { file: 'v.pem' });
  });
});
