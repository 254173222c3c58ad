/**
 * The `scitt` CLI as a user runs it: the real binary as a child process against the real ledger
 * (Nest + Fastify, embedded store) — keys, sign, register, fetch, trust, offline verification,
 * hash envelopes, revocation; `--help` everywhere; one-line errors with documented exit codes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { buildProgram } from '../../libs/cli/src/program.js';
import { OciLayoutStore } from '../../libs/oci/src/index.js';
import { cliSandbox, runScitt, show, type CliRun } from '../../libs/cli/test/cli.runner.js';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { subjectOf } from '../support/statements.js';
import { spdxJson } from '../support/content-fixtures.js';

const oneLineError = (r: CliRun): void => {
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with'));
  assert.equal(lines.length, 1, `expected one error line:\n${show(r)}`);
  assert.match(lines[0]!, /^scitt: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --debug');
};

describe('scitt CLI against the real ledger', () => {
  let ledger: TestLedger;
  const box = cliSandbox();
  const f = (n: string) => join(box.dir, n);
  const scitt = (...args: string[]) => runScitt(args, { env: box.env, cwd: box.dir });
  const SUB = subjectOf(7, '127.0.0.1:5999');

  before(async () => {
    ledger = await startLedger();
  });
  after(async () => ledger?.destroy());

  it('--help works for every command and subcommand (exit 0)', async () => {
    const paths: string[][] = [];
    const walk = (c: Command, p: string[]) => {
      for (const s of c.commands) {
        paths.push([...p, s.name()]);
        walk(s, [...p, s.name()]);
      }
    };
    walk(buildProgram({ stdout: { write: () => true }, stderr: { write: () => true } }), []);
    assert.ok(paths.length >= 15, `commands: ${paths.map((p) => p.join(' ')).join(', ')}`);
    for (const p of [[], ...paths]) {
      const r = await scitt(...p, '--help');
      assert.equal(r.code, 0, `${p.join(' ')} --help\n${show(r)}`);
      assert.match(r.stdout, /^Usage: scitt/m, p.join(' '));
    }
  });

  it('keys: ES256/ES384/Ed25519 in PEM, JWK and COSE_Key give one kid (RFC 9679 thumbprint)', async () => {
    for (const alg of ['ES256', 'ES384', 'Ed25519']) {
      for (const format of ['pem', 'jwk', 'cose']) {
        const key = f(`${alg}.${format}`);
        const g = await scitt('key', 'generate', '--alg', alg, '--format', format, '--out', key, '--public-out', key + '.pub', '-o', 'json');
        assert.equal(g.code, 0, show(g));
        const kid = JSON.parse(g.stdout).kid as string;
        for (const file of [key, key + '.pub']) {
          const s = await scitt('key', 'show', file, '-o', 'json');
          assert.equal(s.code, 0, show(s));
          assert.equal(JSON.parse(s.stdout).kid, kid, `${alg} ${format} ${file}`);
        }
      }
    }
    const withCert = await scitt('key', 'generate', '--out', f('readme.key'), '--certificate');
    assert.equal(withCert.code, 0, show(withCert));
    const certShown = await scitt('key', 'show', f('readme.key.crt'), '-o', 'json');
    assert.equal(JSON.parse(certShown.stdout).kid, JSON.parse((await scitt('key', 'show', f('readme.key'), '-o', 'json')).stdout).kid, 'the certificate is for the key');
    const again = await scitt('key', 'generate', '--out', f('ES256.pem'));
    assert.equal(again.code, 2, 'refuses to overwrite a key');
    oneLineError(again);
  });

  it('sign → register --wait → receipt get / statement get → trust fetch → verify offline (x5chain issuer)', async () => {
    assert.equal((await scitt('key', 'generate', '--out', f('vendor.key'), '--cert', f('vendor.crt'), '--cert-subject', 'vendor.example')).code, 0);
    writeFileSync(f('sbom.json'), spdxJson('app'));
    const s = await scitt('sign', '--key', f('vendor.key'), '--issuer', 'https://vendor.example', '--subject', SUB, '--payload', f('sbom.json'), '--content-type', 'application/spdx+json', '--x5chain', f('vendor.crt'), '--out', f('sbom.cose'), '-o', 'json');
    assert.equal(s.code, 0, show(s));
    const entryId = JSON.parse(s.stdout).entryId as string;
    const r = await scitt('register', f('sbom.cose'), '--ledger', ledger.url, '--wait', '--receipt', f('sbom.receipt'), '--out', f('sbom.ts.cose'), '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const reg = JSON.parse(r.stdout);
    assert.equal(reg.status, 'registered');
    assert.equal(reg.entryId, entryId);
    assert.equal(reg.ledgerUrl, ledger.url);
    assert.equal(reg.ledger, 'https://ledger.test');
    assert.ok(Number.isSafeInteger(reg.index) && reg.index < reg.treeSize);
    const rg = await scitt('receipt', 'get', entryId, '--ledger', ledger.url, '--out', f('again.receipt'));
    assert.equal(rg.code, 0, show(rg));
    assert.deepEqual(readFileSync(f('again.receipt')), readFileSync(f('sbom.receipt')));
    const sg = await scitt('statement', 'get', entryId, '--out', f('again.ts.cose'));
    assert.equal(sg.code, 2, 'no ledger given: usage error');
    const sg2 = await runScitt(['statement', 'get', entryId, '--out', f('again.ts.cose')], { env: { ...box.env, SCITT_LEDGER: ledger.url }, cwd: box.dir });
    assert.equal(sg2.code, 0, show(sg2));
    assert.deepEqual(readFileSync(f('again.ts.cose')), readFileSync(f('sbom.ts.cose')));
    const piped = await runScitt(['receipt', 'get', entryId], { env: { ...box.env, SCITT_LEDGER: ledger.url } });
    assert.deepEqual(piped.raw, readFileSync(f('sbom.receipt')), 'binary to stdout when piped');

    const noTrust = await scitt('verify', f('sbom.ts.cose'));
    assert.equal(noTrust.code, 2, show(noTrust));
    assert.match(noTrust.stderr, /scitt trust fetch/);
    const t = await scitt('trust', 'fetch', ledger.url, '--name', 'test-ledger');
    assert.equal(t.code, 0, show(t));
    const t2 = await scitt('trust', 'fetch', ledger.url, '--out', f('ledger.trust'));
    assert.equal(t2.code, 0, show(t2));
    const shown = await scitt('trust', 'show', '--trust-file', f('ledger.trust'), '-o', 'json');
    assert.equal(JSON.parse(shown.stdout).ledgers[0].name, new URL(ledger.url).host);
    const closed = await scitt('verify', f('sbom.ts.cose'), '--trust', f('ledger.trust'));
    assert.equal(closed.code, 1, 'fail closed: no issuer trust configured');
    assert.match(closed.stderr, /no claim's issuer signature was verified .*--issuer-key/);
    assert.equal((await scitt('verify', f('sbom.ts.cose'), '--trust', f('ledger.trust'), '--trust-anchor', f('vendor.crt'))).code, 0);

    const v = await scitt('verify', f('sbom.ts.cose'), '--trust-anchor', f('vendor.crt'), '-o', 'json');
    assert.equal(v.code, 0, show(v));
    const doc = JSON.parse(v.stdout);
    assert.equal(doc.ok, true);
    assert.equal(doc.claims[0].entryId, entryId);
    assert.equal(doc.claims[0].issuer.verified, true);
    assert.equal(doc.claims[0].receipts[0].ledger, 'https://ledger.test');
    assert.equal(doc.claims[0].receipts[0].trustedAs, 'test-ledger');
    const both = await scitt('verify', f('sbom.cose'), '--receipt', f('sbom.receipt'), '--issuer-key', `https://vendor.example=${f('vendor.crt')}`, '--require', 'content-type=application/spdx+json,issuer=https://vendor.example,ledger=test-ledger');
    assert.equal(both.code, 0, show(both));
    assert.match(both.stdout, /ok +require content-type=application\/spdx\+json/);

    const unmet = await scitt('verify', f('sbom.ts.cose'), '--trust-anchor', f('vendor.crt'), '--require', 'content-type=application/vnd.in-toto+json');
    assert.equal(unmet.code, 1, show(unmet));
    oneLineError(unmet);
    assert.match(unmet.stderr, /policy not met/);
    const untrusted = await scitt('verify', f('sbom.ts.cose'), '--require', 'issuer=https://vendor.example');
    assert.equal(untrusted.code, 1, 'fail closed: no issuer trust, no claim counts');
    assert.match(untrusted.stderr, /no claim's issuer signature was verified/);
  });

  it('hash envelope (258/259/260) claims register and verify; the payload never leaves the machine', async () => {
    writeFileSync(f('scan.json'), '{"vulnerabilities":[]}');
    const s = await scitt('sign', '--key', f('vendor.key'), '--issuer', 'https://vendor.example', '--subject', SUB, '--payload', f('scan.json'), '--content-type', 'application/sarif+json', '--hash-envelope', '--location', 'https://vendor.example/scan.json', '--x5chain', f('vendor.crt'), '--out', f('scan.cose'));
    assert.equal(s.code, 0, show(s));
    assert.equal(readFileSync(f('scan.cose')).includes(Buffer.from('vulnerabilities')), false);
    assert.equal((await scitt('register', f('scan.cose'), '--ledger', ledger.url, '--out', f('scan.ts.cose'))).code, 0);
    const v = await scitt('verify', f('scan.ts.cose'), '--trust-anchor', f('vendor.crt'), '-o', 'json');
    assert.equal(v.code, 0, show(v));
    const c = JSON.parse(v.stdout).claims[0];
    assert.equal(c.contentType, 'application/sarif+json');
    assert.equal(c.hashEnvelope.alg, 'sha256');
    assert.equal(c.hashEnvelope.location, 'https://vendor.example/scan.json');
  });

  it('revoke: reads issuer and subject from the ledger; the revoked claim then fails verification', async () => {
    const id = JSON.parse((await scitt('verify', f('sbom.ts.cose'), '-o', 'json')).stdout).claims[0].entryId as string;
    const rv = await scitt('revoke', id, '--reason', 'wrong SBOM attached', '--key', f('vendor.key'), '--x5chain', f('vendor.crt'), '--ledger', ledger.url, '--out', f('revoke.cose'), '-o', 'json');
    assert.equal(rv.code, 0, show(rv));
    assert.equal(JSON.parse(rv.stdout).sub, SUB);
    const reg = await scitt('register', f('revoke.cose'), '--ledger', ledger.url, '--out', f('revoke.ts.cose'));
    assert.equal(reg.code, 0, show(reg));
    const v = await scitt('verify', f('sbom.ts.cose'), f('revoke.ts.cose'), '--trust-anchor', f('vendor.crt'));
    assert.equal(v.code, 1, show(v));
    assert.match(v.stdout, /REVOKED claim/);
    assert.match(v.stdout, /revoked by entry .*: wrong SBOM attached/);
    assert.match(v.stderr, /every claim found is revoked/);
  });

  it('verify --oci-layout: the ledger\'s embedded OCI layout (claims about unconfigured registries)', async () => {
    const layout = join(ledger.dataDir, 'oci-layout');
    // the collection must be in the layout for the publisher to describe the subject (OCI_SUBJECT_LOOKUP=layout)
    const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, layers: [], annotations: { n: box.dir } }));
    const d = await (await OciLayoutStore.open(layout)).putManifest(manifest, 'application/vnd.oci.image.manifest.v1+json', { tag: 'app-v1' });
    const s = await scitt('sign', '--key', f('vendor.key'), '--x5chain', f('vendor.crt'), '--issuer', 'https://vendor.example', '--subject', `127.0.0.1:5999/app@${d.digest}`, '--payload', f('sbom.json'), '--content-type', 'application/spdx+json', '--out', f('layout.cose'));
    assert.equal(s.code, 0, show(s));
    assert.equal((await scitt('register', f('layout.cose'), '--ledger', ledger.url, '--wait')).code, 0);
    let r: CliRun | undefined;
    for (let i = 0; i < 100; i++) {
      r = await scitt('verify', d.digest, '--oci-layout', layout, '--trust-anchor', f('vendor.crt'), '--require', 'content-type=application/spdx+json,issuer=https://vendor.example', '-o', 'json');
      if (r.code === 0 || (r.code === 1 && JSON.parse(r.stdout).claims.length > 0)) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(r!.code, 0, show(r!));
    const doc = JSON.parse(r!.stdout);
    assert.equal(doc.claims.length, 1);
    assert.equal(doc.claims[0].issuer.verified, true);
    const missing = await scitt('verify', d.digest, '--oci-layout', join(box.dir, 'nowhere'));
    assert.equal(missing.code, 2, show(missing));
  });

  it('bad arguments and bad input files: one line, exit 2', async () => {
    writeFileSync(f('garbage.cose'), 'not cbor at all');
    const cases: string[][] = [
      ['frobnicate'],
      ['sign', '--key', f('vendor.key')],
      ['sign', '--key', f('vendor.key'), '--issuer', 'x', '--subject', 'no-digest/app:latest', '--payload', f('sbom.json'), '--content-type', 'a/b', '--out', f('x')],
      ['sign', '--key', f('missing.key'), '--issuer', 'x', '--subject', SUB, '--payload', f('sbom.json'), '--content-type', 'a/b', '--out', f('x')],
      ['sign', '--key', f('vendor.crt'), '--issuer', 'x', '--subject', SUB, '--payload', f('sbom.json'), '--content-type', 'a/b', '--out', f('x')],
      ['sign', '--key', f('vendor.key'), '--issuer', 'x', '--subject', SUB, '--payload', f('sbom.json'), '--content-type', 'not a type', '--out', f('x')],
      ['register', f('garbage.cose'), '--ledger', ledger.url],
      ['register', f('sbom.cose'), '--ledger', 'ftp://x'],
      ['register', f('sbom.cose'), '--ledger', ledger.url, '--wait', '--timeout', 'soon'],
      ['receipt', 'get', 'abc', '--ledger', ledger.url],
      ['verify', f('garbage.cose'), '--trust', f('garbage.cose')],
      ['verify', 'Not A Reference'],
      ['verify', f('sbom.ts.cose'), '--require', 'colour=red'],
      ['copy', 'a', 'b'],
      ['key', 'generate', '--out', f('k'), '--alg', 'RSA'],
      ['-o', 'yaml', 'key', 'show', f('vendor.key')],
    ];
    for (const args of cases) {
      const r = await scitt(...args);
      assert.equal(r.code, 2, `${args.join(' ')}\n${show(r)}`);
      oneLineError(r);
    }
  });

  it('a statement the ledger refuses, an unknown entry, an unreachable ledger or registry: one line, exit 3', async () => {
    const unknown = 'a'.repeat(64);
    const cases: string[][] = [
      ['register', f('garbage.cose'), '--ledger', 'http://127.0.0.1:9'],
      ['register', f('sbom.cose'), '--ledger', 'http://127.0.0.1:9'],
      ['receipt', 'get', unknown, '--ledger', ledger.url],
      ['trust', 'fetch', 'http://127.0.0.1:9'],
      ['audit', 'http://127.0.0.1:9'],
      ['copy', `127.0.0.1:9/app@sha256:${'1'.repeat(64)}`, '127.0.0.1:9/mirror'],
      ['verify', `127.0.0.1:9/app@sha256:${'1'.repeat(64)}`],
    ];
    for (const args of cases.slice(1)) {
      const r = await scitt(...args);
      assert.equal(r.code, 3, `${args.join(' ')}\n${show(r)}`);
      oneLineError(r);
    }
    const nf = await scitt('receipt', 'get', unknown, '--ledger', ledger.url);
    assert.match(nf.stderr, /HTTP 404/);
    // a statement the ledger rejects (kid-identified, unknown issuer under the development policy)
    assert.equal((await scitt('sign', '--key', f('vendor.key'), '--issuer', 'https://vendor.example', '--subject', SUB, '--payload', f('sbom.json'), '--content-type', 'application/json', '--out', f('kid.cose'))).code, 0);
    const refused = await scitt('register', f('kid.cose'), '--ledger', ledger.url);
    assert.equal(refused.code, 3, show(refused));
    oneLineError(refused);
    assert.match(refused.stderr, /HTTP 4\d\d/);
  });

  it('--debug prints the stack', async () => {
    const r = await scitt('register', f('sbom.cose'), '--ledger', 'http://127.0.0.1:9', '--debug');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /\n\s+at /);
  });
});
