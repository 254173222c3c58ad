/**
 * Who may speak for an issuer: a registered issuer only with its registered keys; a trust-anchored
 * certificate only for the names it certifies; a self-carried key (development) never proves a
 * name, so only the same key may revoke its claims.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { HeaderLabel } from '../../libs/cose/src/index.js';
import { REVOCATION_CONTENT_TYPE } from '../../libs/ledger/src/index.js';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { createCertificate } from '../../libs/x509/src/index.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

const revocationOf = (entryId: string) => JSON.stringify({ revokes: [entryId], reason: 'test' });

describe('issuer identity', () => {
  let prod: TestLedger;
  let dev: TestLedger;
  let vendor: TestIssuer;
  let ci: TestIssuer;
  let caCertPem: string;
  let ca: ReturnType<typeof generateKeyPairSync>;

  before(async () => {
    vendor = await makeIssuer('https://release.vendor.example');
    ci = await makeIssuer('https://ci.vendor.example');
    ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    caCertPem = new X509Certificate(createCertificate({ subjectKey: ca.publicKey, issuerKey: ca.privateKey, subject: 'Vendor Root CA', ca: true })).toString();
    prod = await startLedger({ policy: { version: 1, mode: 'production', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }], trustAnchors: [caCertPem] } });
    dev = await startLedger({ policy: { version: 1, mode: 'development', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }] } });
  });
  after(async () => {
    await prod?.destroy();
    await dev?.destroy();
  });

  /** a leaf certificate for `issuer`'s key, issued by the CA, with common name `cn` */
  const leafFor = (issuer: TestIssuer, cn: string) =>
    createCertificate({ subjectKey: createPublicKey(issuer.keyObject), issuerKey: ca.privateKey as never, issuer: 'Vendor Root CA', subject: cn });

  it('admits a trust-anchored certificate for the name it certifies (with its x5t thumbprint)', async () => {
    const leaf = leafFor(ci, 'ci.vendor.example');
    const x5t = [-16, new Uint8Array(createHash('sha256').update(leaf).digest())];
    const s = await signStatement(ci, { sub: subjectOf(1), x5chain: leaf, protected: [[HeaderLabel.x5t, x5t]] });
    const res = await register(prod.url, s);
    if (res.status !== 201) assert.fail(`expected 201: ${(await problemOf(res)).detail}`);
  });

  it('refuses a trust-anchored certificate claiming another name', async () => {
    const s = await signStatement(ci, { sub: subjectOf(2), iss: 'https://payroll.example', x5chain: leafFor(ci, 'ci.vendor.example') });
    const res = await register(prod.url, s);
    const p = await problemOf(res);
    assert.equal(res.status, 400);
    assert.equal(p.code, 'ERR_ISSUER_NOT_CERTIFIED');
  });

  for (const where of ['prod', 'dev'] as const) {
    it(`refuses an x5chain claiming a registered issuer's name (${where})`, async () => {
      const ledger = where === 'prod' ? prod : dev;
      const before = ledger.sequencer.size;
      const cert = where === 'prod' ? leafFor(ci, 'release.vendor.example') : ci.certificate;
      const s = await signStatement(ci, { sub: subjectOf(3), iss: vendor.iss, x5chain: cert });
      const res = await register(ledger.url, s);
      const p = await problemOf(res);
      assert.equal(res.status, 400);
      assert.equal(p.code, 'ERR_ISSUER_KEY_MISMATCH');
      assert.equal(ledger.sequencer.size, before);
    });
  }

  it('development: a self-carried key may revoke its own claim, not another key claiming the same name', async () => {
    const alice = await makeIssuer('https://shared-name.example');
    const mallory = await makeIssuer('https://shared-name.example');
    const claim = await signStatement(alice, { sub: subjectOf(4), x5chain: alice.certificate });
    assert.equal((await register(dev.url, claim)).status, 201);
    const entryId = entryIdOf(toEntry(claim).entry);
    const forged = await signStatement(mallory, { sub: subjectOf(4), x5chain: mallory.certificate, contentType: REVOCATION_CONTENT_TYPE, payload: revocationOf(entryId) });
    const refused = await register(dev.url, forged);
    assert.equal(refused.status, 400);
    assert.equal((await problemOf(refused)).code, 'ERR_REVOCATION_FOREIGN_ENTRY');
    const own = await signStatement(alice, { sub: subjectOf(4), x5chain: alice.certificate, contentType: REVOCATION_CONTENT_TYPE, payload: revocationOf(entryId) });
    assert.equal((await register(dev.url, own)).status, 201);
  });
});
