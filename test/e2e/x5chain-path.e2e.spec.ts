/**
 * RFC 5280 path checks on x5chain statements over real HTTP (docs/policy.md, "Certificate
 * chains"): the leaf may sign, every issuer — the trust anchor included — is a CA allowed to sign
 * certificates, path lengths hold, no critical extension goes unprocessed. Each refusal is a
 * problem-details response with its own code, and nothing reaches the log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createCertificate, type CertificateOptions } from '../../libs/x509/src/index.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

const PROBLEM = 'application/concise-problem-details+cbor';
const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (der: Uint8Array) => new X509Certificate(der).toString();
const bytes = (...x: number[]) => Uint8Array.from(x);

describe('x5chain path checks', () => {
  const root = ec();
  const strictRoot = ec();
  const int = ec();
  const int2 = ec();
  let prod: TestLedger;
  let dev: TestLedger;
  let ci: TestIssuer;
  let leafKey: KeyObject;
  let anchorDer: Uint8Array;
  let n = 100;

  type Opts = Partial<CertificateOptions>;
  const rootCert = (o: Opts = {}) => createCertificate({ subjectKey: root.publicKey, issuerKey: root.privateKey, subject: 'Vendor Root CA', ca: true, ...o });
  const strictRootCert = () => createCertificate({ subjectKey: strictRoot.publicKey, issuerKey: strictRoot.privateKey, subject: 'Strict Root CA', ca: true, pathLen: 0 });
  const intCert = (o: Opts = {}) => createCertificate({ subjectKey: int.publicKey, issuerKey: root.privateKey, issuer: 'Vendor Root CA', subject: 'Vendor Intermediate CA', ca: true, ...o });
  /** a second intermediate, issued by the first */
  const int2Cert = (o: Opts = {}) => createCertificate({ subjectKey: int2.publicKey, issuerKey: int.privateKey, issuer: 'Vendor Intermediate CA', subject: 'Vendor Issuing CA', ca: true, ...o });
  const leafCert = (o: Opts = {}, issuer: { name: string; key: KeyObject } = { name: 'Vendor Intermediate CA', key: int.privateKey }) =>
    createCertificate({ subjectKey: leafKey, issuerKey: issuer.key, issuer: issuer.name, subject: 'ci.vendor.example', ...o });

  before(async () => {
    ci = await makeIssuer('https://ci.vendor.example');
    leafKey = createPublicKey(ci.keyObject);
    anchorDer = rootCert();
    const policy = { version: 1, mode: 'production', trustAnchors: [pem(anchorDer), pem(strictRootCert())] };
    prod = await startLedger({ policy });
    dev = await startLedger();
  });
  after(async () => {
    await prod?.destroy();
    await dev?.destroy();
  });

  const submit = async (ledger: TestLedger, x5chain: Uint8Array[]) => register(ledger.url, await signStatement(ci, { sub: subjectOf(n++), x5chain }));

  it('admits leaf (digitalSignature) → intermediate (pathLen 0) → trust anchor', async () => {
    const before = prod.sequencer.size;
    const res = await submit(prod, [leafCert(), intCert({ pathLen: 0 })]);
    if (res.status !== 201) assert.fail(`expected 201: ${(await problemOf(res)).detail}`);
    assert.equal(prod.sequencer.size, before + 1);
  });

  it('development: admits a lone self-signed CA certificate as a self-carried key (openssl req -x509 style)', async () => {
    const own = createCertificate({ subjectKey: leafKey, issuerKey: ci.keyObject, subject: 'ci.vendor.example', ca: true, keyUsage: null });
    const res = await submit(dev, [own]);
    if (res.status !== 201) assert.fail(`expected 201: ${(await problemOf(res)).detail}`);
  });

  const unknownCritical = { oid: '1.3.6.1.4.1.99999.42', critical: true, value: bytes(0x05, 0x00) };
  const nameConstraints = { oid: '2.5.29.30', critical: true, value: bytes(0x30, 0x0e, 0xa0, 0x0c, 0x30, 0x0a, 0x82, 0x08, ...new TextEncoder().encode('.example')) };
  const cases: Array<{ name: string; chain: () => Uint8Array[]; code: string; detail: RegExp; title?: string; ledger?: 'dev' }> = [
    { name: 'a leaf whose keyUsage lacks digitalSignature', chain: () => [leafCert({ keyUsage: ['keyEncipherment'] }), intCert()], code: 'ERR_X5CHAIN_KEY_USAGE', detail: /certificate 0 \(the leaf\) .*without digitalSignature/ },
    { name: 'a CA certificate as the leaf', chain: () => [leafCert({ ca: true }), intCert()], code: 'ERR_X5CHAIN_LEAF_CA', detail: /a CA key must not sign statements/ },
    { name: 'the trust anchor itself as the (CA) leaf', chain: () => [anchorDer], code: 'ERR_X5CHAIN_LEAF_CA', detail: /cA=true/ },
    { name: 'an intermediate that is not a CA', chain: () => [leafCert(), intCert({ ca: false, keyUsage: ['keyCertSign'] })], code: 'ERR_X5CHAIN_NOT_CA', detail: /certificate 1 issues certificate 0 but is not a CA/ },
    { name: 'an intermediate CA whose keyUsage lacks keyCertSign', chain: () => [leafCert(), intCert({ keyUsage: ['digitalSignature', 'cRLSign'] })], code: 'ERR_X5CHAIN_KEY_USAGE', detail: /certificate 1 .*lacks keyCertSign/ },
    { name: 'an intermediate with pathLen 0 above another intermediate', chain: () => [leafCert({}, { name: 'Vendor Issuing CA', key: int2.privateKey }), int2Cert(), intCert({ pathLen: 0 })], code: 'ERR_X5CHAIN_PATH_LEN', detail: /certificate 2 allows 0 intermediate/ },
    {
      name: 'a trust anchor with pathLen 0 above an intermediate',
      chain: () => [leafCert(), createCertificate({ subjectKey: int.publicKey, issuerKey: strictRoot.privateKey, issuer: 'Strict Root CA', subject: 'Vendor Intermediate CA', ca: true })],
      code: 'ERR_X5CHAIN_PATH_LEN',
      detail: /the trust anchor allows 0 intermediate/,
    },
    { name: 'an unknown critical extension on the leaf', chain: () => [leafCert({ extensions: [unknownCritical] }), intCert()], code: 'ERR_X5CHAIN_CRITICAL_EXTENSION', detail: /certificate 0 \(the leaf\) has a critical extension 1\.3\.6\.1\.4\.1\.99999\.42/ },
    { name: 'an unknown critical extension on the intermediate', chain: () => [leafCert(), intCert({ extensions: [unknownCritical] })], code: 'ERR_X5CHAIN_CRITICAL_EXTENSION', detail: /certificate 1 has a critical extension 1\.3\.6\.1\.4\.1\.99999\.42/ },
    { name: 'nameConstraints on the intermediate (not supported)', chain: () => [leafCert(), intCert({ extensions: [nameConstraints] })], code: 'ERR_X5CHAIN_NAME_CONSTRAINTS', detail: /not support/ },
    {
      name: 'a keyUsage extension with no bit set (malformed)',
      chain: () => [leafCert({ keyUsage: null, extensions: [{ oid: '2.5.29.15', critical: true, value: bytes(0x03, 0x01, 0x00) }] }), intCert()],
      code: 'ERR_X5CHAIN_FORMAT',
      title: 'Malformed request',
      detail: /certificate 0 \(the leaf\).*no usage bit/,
    },
    { name: 'development: an unknown critical extension on a self-carried certificate', chain: () => [createCertificate({ subjectKey: leafKey, issuerKey: ci.keyObject, subject: 'ci.vendor.example', extensions: [unknownCritical] })], code: 'ERR_X5CHAIN_CRITICAL_EXTENSION', detail: /1\.3\.6\.1\.4\.1\.99999\.42/, ledger: 'dev' },
  ];

  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const target = c.ledger === 'dev' ? dev : prod;
      const before = { size: target.sequencer.size, events: (await target.store.readAll({ maxCount: 100000 })).length };
      const res = await submit(target, c.chain());
      const p = await problemOf(res);
      assert.equal(res.status, 400, `${p.title}: ${p.detail}`);
      assert.equal(p.contentType, PROBLEM);
      assert.equal(p.title, c.title ?? 'Rejected', p.detail);
      assert.equal(p.code, c.code, p.detail);
      assert.match(p.detail, c.detail);
      assert.equal(target.sequencer.size, before.size, 'nothing appended to the log');
      assert.equal((await target.store.readAll({ maxCount: 100000 })).length, before.events, 'no event written');
    });
  }
});
