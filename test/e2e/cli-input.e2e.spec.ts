/**
 * The newcomer's stumbles, as a user meets them: the real `scitt` binary given the wrong file —
 * an SBOM where a statement belongs, an empty file, a certificate, a truncated statement, a
 * mangled certificate chain — says what the file looks like in our words and exits 2 (malformed
 * input, docs/cli.md); and every documented exit code is what the binary returns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliSandbox, runScitt, show, type CliRun } from '../../libs/cli/test/cli.runner.js';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { subjectOf } from '../support/statements.js';
import { spdxJson } from '../support/content-fixtures.js';

describe('scitt with the wrong input files', () => {
  let ledger: TestLedger;
  const box = cliSandbox('scitt-input-');
  const f = (n: string) => join(box.dir, n);
  const scitt = (...args: string[]) => runScitt(args, { env: box.env, cwd: box.dir });
  const inputError = (r: CliRun, want: RegExp): void => {
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, want, show(r));
    assert.doesNotMatch(r.stderr, /routines|declared length|error:[0-9A-F]{8}/, 'our words, not a decoder\'s');
  };

  before(async () => {
    ledger = await startLedger();
    writeFileSync(f('sbom.spdx.json'), spdxJson('app', ['x'.repeat(64)]));
    writeFileSync(f('empty.cose'), '');
    for (const args of [
      ['key', 'generate', '--out', f('vendor.key'), '--certificate'],
      ['sign', '--key', f('vendor.key'), '--x5chain', f('vendor.key.crt'), '--issuer', 'https://ci.vendor.example', '--subject', subjectOf(3), '--payload', f('sbom.spdx.json'), '--content-type', 'application/spdx+json', '--out', f('claim.cose')],
      ['register', f('claim.cose'), '--ledger', ledger.url, '--out', f('claim.ts.cose'), '--receipt', f('claim.receipt')],
      ['trust', 'fetch', ledger.url, '--out', f('ledger.trust')],
    ]) {
      const r = await scitt(...args);
      assert.equal(r.code, 0, show(r));
    }
  });
  after(async () => ledger?.destroy());

  it('exit 0: a good transparent statement verifies', async () => {
    const r = await scitt('verify', f('claim.ts.cose'), '--trust', f('ledger.trust'), '--issuer-key', f('vendor.key.crt'));
    assert.equal(r.code, 0, show(r));
  });

  it('exit 1: a transparent statement whose signature was altered fails verification', async () => {
    const ts = readFileSync(f('claim.ts.cose'));
    ts[ts.length - 1]! ^= 0x01;
    writeFileSync(f('tampered.ts.cose'), ts);
    const r = await scitt('verify', f('tampered.ts.cose'), '--trust', f('ledger.trust'), '--issuer-key', f('vendor.key.crt'));
    assert.equal(r.code, 1, show(r));
  });

  it('exit 2: `scitt verify sbom.spdx.json` says it is not a COSE signed statement (looks like JSON)', async () => {
    inputError(await scitt('verify', f('sbom.spdx.json'), '--trust', f('ledger.trust')), /^scitt: couldn't read statement .*sbom\.spdx\.json: not a COSE signed statement \(looks like JSON\)$/m);
    inputError(await scitt('register', f('sbom.spdx.json'), '--ledger', ledger.url), /not a COSE signed statement \(looks like JSON\)/);
    inputError(await scitt('verify', f('empty.cose'), '--trust', f('ledger.trust')), /not a COSE signed statement \(the file is empty\)/);
    inputError(await scitt('verify', f('vendor.key.crt'), '--trust', f('ledger.trust')), /not a COSE signed statement \(looks like PEM \(CERTIFICATE\)\)/);
    inputError(await scitt('verify', f('claim.cose'), '--receipt', f('sbom.spdx.json'), '--trust', f('ledger.trust')), /not a COSE receipt \(looks like JSON\)/);
    const ts = readFileSync(f('claim.ts.cose'));
    writeFileSync(f('truncated.ts.cose'), ts.subarray(0, ts.length - 40));
    inputError(await scitt('verify', f('truncated.ts.cose'), '--trust', f('ledger.trust')), /a damaged COSE_Sign1/);
    inputError(await scitt('verify', f('claim.ts.cose'), '--trust', f('sbom.spdx.json')), /couldn't read trust file/);
    inputError(await scitt('verify', f('claim.ts.cose'), '--trust', f('vendor.key.crt')), /neither a scitt trust file \(JSON\) nor a COSE Key Set \(CBOR\) \(looks like PEM \(CERTIFICATE\)\)/);
  });

  it('exit 2: a mangled certificate chain is described in our words', async () => {
    const pem = readFileSync(f('vendor.key.crt'), 'utf8');
    const sign = (crt: string) =>
      scitt('sign', '--key', f('vendor.key'), '--x5chain', crt, '--issuer', 'https://ci.vendor.example', '--subject', subjectOf(4), '--payload', f('sbom.spdx.json'), '--content-type', 'application/spdx+json', '--out', f('x.cose'));
    writeFileSync(f('nobegin.crt'), pem.replace('-----BEGIN CERTIFICATE-----', ''));
    inputError(await sign(f('nobegin.crt')), /no PEM block \(-----BEGIN CERTIFICATE-----\)/);
    writeFileSync(f('cut.crt'), pem.slice(0, pem.length - 120) + '\n-----END CERTIFICATE-----\n');
    inputError(await sign(f('cut.crt')), /not a DER X\.509 certificate: it is truncated/);
    inputError(await sign(f('vendor.key')), /holds a PEM PRIVATE KEY, not a CERTIFICATE/);
    inputError(await scitt('verify', f('claim.ts.cose'), '--trust', f('ledger.trust'), '--issuer-key', f('cut.crt')), /truncated/);
  });

  it('exit 3: an unreachable ledger', async () => {
    const r = await scitt('register', f('claim.cose'), '--ledger', 'http://127.0.0.1:9');
    assert.equal(r.code, 3, show(r));
  });
});
