/** The consumer policy file: a complete example parses; every mistake names its field. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConsumerPolicy, orderFor, parseDuration } from './policy.file.js';

describe('consumer policy file', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scitt-policy-'));
    for (const f of ['trust.json', 'scanner.crt', 'vendor-ca.pem']) write(f, 'x');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the documented example (YAML), files relative to the policy', () => {
    const p = loadConsumerPolicy(
      write(
        'policy.yaml',
        `version: 1
ledgers: [trust.json]
issuers:
  - iss: https://scanner.consumer.example
    key: scanner.crt
trustAnchors: [vendor-ca.pem]
precedence: [https://vendor.example]
kinds:
  application/sarif+json:
    precedence: [https://scanner.consumer.example, https://vendor.example]
require:
  - kind: application/spdx+json
    issuer: https://vendor.example
    ledger: https://ledger.example
  - kind: application/sarif+json
freshness:
  maxAge: 24h
`,
      ),
    );
    assert.deepEqual(p.ledgers, [join(dir, 'trust.json')]);
    assert.deepEqual(p.issuerKeys, [`https://scanner.consumer.example=${join(dir, 'scanner.crt')}`]);
    assert.deepEqual(p.trustAnchors, [join(dir, 'vendor-ca.pem')]);
    assert.equal(p.maxAgeSeconds, 86400);
    assert.equal(p.allowUnverifiedIssuers, false);
    assert.deepEqual(orderFor(p, 'application/sarif+json'), ['https://scanner.consumer.example', 'https://vendor.example']);
    assert.deepEqual(orderFor(p, 'application/spdx+json'), ['https://vendor.example']);
    assert.deepEqual(p.require[0], { kind: 'application/spdx+json', issuer: 'https://vendor.example', ledger: 'https://ledger.example' });
    assert.equal(loadConsumerPolicy(write('p.json', JSON.stringify({ version: 1, allowUnverifiedIssuers: true }))).allowUnverifiedIssuers, true);
  });

  it('names the field of every mistake', () => {
    const cases: [string, RegExp][] = [
      ['version: 2', /version must be 1/],
      ['version: 1\ncolour: red', /colour is not a policy field/],
      ['version: 1\nissuers: [{iss: a}]', /issuers\[0\]\.key must name/],
      ['version: 1\ntrustAnchors: [missing.pem]', /trustAnchors\[0\] names .*missing\.pem, which does not exist/],
      ['version: 1\nprecedence: [a, a]', /precedence lists an issuer twice/],
      ['version: 1\nrequire: [{issuer: a}]', /require\[0\]\.kind must be a content type/],
      ['version: 1\nfreshness: {maxAge: soon}', /freshness\.maxAge "soon": want a duration/],
      ['version: 1\nallowUnverifiedIssuers: "yes"', /allowUnverifiedIssuers must be true or false/],
      ['version: 1\nkinds: {a: {order: [x]}}', /kinds\["a"\]\.order is not a field/],
      ['a: &x 1\nb: *x', /not YAML\/JSON/],
      ['version: 1\nversion: 1', /not YAML\/JSON/],
    ];
    for (const [text, want] of cases) assert.throws(() => loadConsumerPolicy(write('bad.yaml', text)), want, text);
  });

  it('durations', () => {
    assert.equal(parseDuration('90s', 'x'), 90);
    assert.equal(parseDuration('30m', 'x'), 1800);
    assert.equal(parseDuration('7d', 'x'), 604800);
    for (const bad of ['0s', '1.5h', '24', 'h', '-1h', '1w']) assert.throws(() => parseDuration(bad, 'x'), /want a duration/, bad);
  });
});
