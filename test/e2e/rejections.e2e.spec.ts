/**
 * Bad input gets a clear problem-details error and changes nothing: a corpus of malformed and
 * disallowed statements, each posted to the real service; after each, the log has not grown.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { CwtClaim, HeaderLabel, Tagged, decodeSign1, encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { REVOCATION_CONTENT_TYPE } from '../../libs/ledger/src/index.js';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { createCertificate } from '../../libs/x509/src/index.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { headerOf, makeIssuer, signRaw, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

interface Case {
  readonly name: string;
  readonly body: () => Promise<Uint8Array>;
  readonly status: number;
  readonly title: string;
  readonly headers?: Record<string, string>;
  readonly ledger?: 'dev' | 'prod';
}

const te = (s: string): Uint8Array => new TextEncoder().encode(s);
const flip = (b: Uint8Array, at: number): Uint8Array => {
  const c = Uint8Array.from(b);
  c[at < 0 ? c.length + at : at]! ^= 0x01;
  return c;
};
const parts = (s: Uint8Array) => decodeSign1(s);
/** a COSE_Sign1 array built from raw parts (any types), under tag 18 */
const raw = (items: unknown[], tag = 18): Uint8Array => encodeCbor(new Tagged(tag, items));

describe('rejections: problem details, nothing appended', () => {
  let dev: TestLedger;
  let prod: TestLedger;
  let vendor: TestIssuer;
  let partner: TestIssuer;
  let es384: TestIssuer;
  let unregistered: TestIssuer;
  let good: Uint8Array;
  let partnerEntryId: string;

  before(async () => {
    vendor = await makeIssuer('https://ci.vendor.example');
    partner = await makeIssuer('https://ci.partner.example', 'EdDSA');
    es384 = await makeIssuer('https://ci.es384.example', 'ES384');
    unregistered = await makeIssuer('https://nobody.example');
    const issuers = [vendor, partner, es384].map((i) => ({ iss: i.iss, keys: [{ jwk: i.jwk }] }));
    dev = await startLedger({ policy: { version: 1, mode: 'development', issuers }, env: { MAX_BODY_BYTES: '65536' } });
    prod = await startLedger({
      policy: { version: 1, mode: 'production', issuers, algorithms: ['ES256', 'EdDSA'], contentTypes: ['application/json', REVOCATION_CONTENT_TYPE], requireOciSubject: true },
    });
    good = await signStatement(vendor, { sub: subjectOf(1) });
    // an entry of the partner, for the foreign-revocation case
    const p = await signStatement(partner, { sub: subjectOf(2) });
    assert.equal((await register(prod.url, p)).status, 201);
    partnerEntryId = entryIdOf(toEntry(p).entry);
  });
  after(async () => {
    await dev?.destroy();
    await prod?.destroy();
  });

  const sign = (o: Parameters<typeof signStatement>[1], i?: () => TestIssuer) => () => signStatement(i?.() ?? vendor, o);
  const withProtected = (...entries: [number | string, unknown][]) => sign({ sub: subjectOf(9), protected: entries });
  /** a real signature over a protected header the library would refuse to build */
  const rawHeader = (...entries: [number | string, unknown][]) => async () => {
    const h = headerOf(vendor, subjectOf(9));
    for (const [k, v] of entries) {
      if (v === undefined) h.delete(k);
      else h.set(k, v);
    }
    return signRaw(vendor, h);
  };
  const mutate = (f: (s: Uint8Array) => Uint8Array) => async () => f(good);

  const cases: Case[] = [
    // transport
    { name: 'empty body', body: async () => new Uint8Array(), status: 400, title: 'Malformed request' },
    { name: 'wrong media type', body: async () => good, headers: { 'content-type': 'application/json' }, status: 415, title: 'Unsupported Media Type' },
    { name: 'body over the size limit', body: async () => new Uint8Array(70_000), status: 413, title: 'Payload Too Large' },
    // CBOR
    { name: 'not CBOR at all', body: async () => te('hello, ledger'), status: 400, title: 'Malformed request' },
    { name: 'truncated after the tag', body: mutate((s) => s.subarray(0, 2)), status: 400, title: 'Malformed request' },
    { name: 'truncated in the protected header', body: mutate((s) => s.subarray(0, 10)), status: 400, title: 'Malformed request' },
    { name: 'truncated in the signature', body: mutate((s) => s.subarray(0, s.length - 1)), status: 400, title: 'Malformed request' },
    { name: 'trailing garbage', body: mutate((s) => Uint8Array.from([...s, 0x00])), status: 400, title: 'Malformed request' },
    { name: 'huge declared length', body: async () => Uint8Array.from([0xd2, 0x84, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), status: 400, title: 'Malformed request' },
    { name: 'indefinite-length array', body: mutate((s) => Uint8Array.from([0xd2, 0x9f, ...s.subarray(2), 0xff])), status: 400, title: 'Malformed request' },
    { name: 'deep nesting', body: async () => Uint8Array.from([0xd2, ...new Array(5000).fill(0x81), 0x00]), status: 400, title: 'Malformed request' },
    // COSE structure
    { name: 'wrong tag (COSE_Mac0 17)', body: mutate((s) => Uint8Array.from([0xd1, ...s.subarray(1)])), status: 400, title: 'Malformed request' },
    { name: 'array of three', body: async () => raw([encodeCbor(new Map([[1, -7]])), new Map(), te('x')]), status: 400, title: 'Malformed request' },
    { name: 'protected header not a bstr', body: async () => raw([new Map([[1, -7]]), new Map(), te('x'), new Uint8Array(64)]), status: 400, title: 'Malformed request' },
    { name: 'protected bstr holds no map', body: async () => raw([encodeCbor(7), new Map(), te('x'), new Uint8Array(64)]), status: 400, title: 'Malformed request' },
    { name: 'unprotected header not a map', body: async () => raw([encodeCbor(new Map([[1, -7]])), [], te('x'), new Uint8Array(64)]), status: 400, title: 'Malformed request' },
    { name: 'payload of the wrong type', body: async () => raw([encodeCbor(new Map([[1, -7]])), new Map(), 42, new Uint8Array(64)]), status: 400, title: 'Malformed request' },
    { name: 'signature of the wrong type', body: async () => raw([encodeCbor(new Map([[1, -7]])), new Map(), te('x'), 'sig']), status: 400, title: 'Malformed request' },
    { name: 'duplicate label in the protected header', body: async () => raw([Uint8Array.from([0xa2, 0x01, 0x26, 0x01, 0x26]), new Map(), te('x'), new Uint8Array(64)]), status: 400, title: 'Malformed request' },
    { name: 'label in both header buckets', body: mutate((s) => encodeSign1({ ...parts(s), unprotectedHeader: new Map([[HeaderLabel.alg, -7]]) })), status: 400, title: 'Malformed request' },
    // required headers
    { name: 'no alg', body: rawHeader([HeaderLabel.alg, undefined]), status: 400, title: 'Malformed request' },
    { name: 'unknown alg', body: async () => raw([encodeCbor(new Map<number, unknown>([[1, -999], [4, vendor.kid], [15, new Map([[1, vendor.iss], [2, subjectOf(1)]])]])), new Map(), te('x'), new Uint8Array(64)]), status: 400, title: 'Bad Signature Algorithm' },
    { name: 'RS256 is not supported', body: async () => raw([encodeCbor(new Map<number, unknown>([[1, -257], [4, vendor.kid], [15, new Map([[1, vendor.iss], [2, subjectOf(1)]])]])), new Map(), te('x'), new Uint8Array(256)]), status: 400, title: 'Bad Signature Algorithm' },
    { name: 'alg as text', body: async () => raw([encodeCbor(new Map<number, unknown>([[1, 'ES256'], [4, vendor.kid]])), new Map(), te('x'), new Uint8Array(64)]), status: 400, title: 'Bad Signature Algorithm' },
    { name: 'no CWT claims', body: withProtected([HeaderLabel.cwtClaims, undefined]), status: 400, title: 'Malformed request' },
    { name: 'CWT claims without iss', body: withProtected([HeaderLabel.cwtClaims, new Map([[CwtClaim.sub, subjectOf(1)]])]), status: 400, title: 'Malformed request' },
    { name: 'CWT claims without sub', body: async () => signStatement(vendor, { sub: subjectOf(9), protected: [[HeaderLabel.cwtClaims, new Map([[CwtClaim.iss, vendor.iss]])]] }), status: 400, title: 'Malformed request' },
    { name: 'iss is not text', body: withProtected([HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, 5], [CwtClaim.sub, subjectOf(1)]])]), status: 400, title: 'Malformed request' },
    { name: 'CWT claims not a map', body: rawHeader([HeaderLabel.cwtClaims, 'iss']), status: 400, title: 'Malformed request' },
    { name: 'neither kid nor x5chain', body: withProtected([HeaderLabel.kid, undefined]), status: 400, title: 'Malformed request' },
    { name: 'kid not a bstr', body: rawHeader([HeaderLabel.kid, 'my-key']), status: 400, title: 'Malformed request' },
    { name: 'unknown crit label', body: withProtected([HeaderLabel.crit, [-65537]], [-65537, 1]), status: 400, title: 'Malformed request' },
    { name: 'crit names an absent label', body: withProtected([HeaderLabel.crit, [HeaderLabel.typ]]), status: 400, title: 'Malformed request' },
    { name: 'hash envelope with content type 3', body: sign({ sub: subjectOf(9), hashEnvelope: true, payload: new Uint8Array(32), protected: [[HeaderLabel.contentType, 'application/json']] }), status: 400, title: 'Malformed request' },
    { name: 'detached payload', body: sign({ sub: subjectOf(9), detached: true }), status: 400, title: 'Payload Missing' },
    // keys and signatures
    { name: 'kid not registered for the issuer', body: sign({ sub: subjectOf(9) }, () => unregistered), status: 400, title: 'Rejected' },
    { name: "another issuer's kid", body: async () => signStatement(vendor, { sub: subjectOf(9), iss: partner.iss }), status: 400, title: 'Rejected' },
    { name: 'signature bit flip', body: mutate((s) => flip(s, -1)), status: 400, title: 'Rejected' },
    { name: 'signature of the wrong length', body: mutate((s) => encodeSign1({ ...parts(s), signature: parts(s).signature.subarray(0, 63) })), status: 400, title: 'Rejected' },
    { name: 'payload changed after signing', body: mutate((s) => encodeSign1({ ...parts(s), payload: te('{"claim":"tampered"}') })), status: 400, title: 'Rejected' },
    { name: 'header alg does not match the key (ES384 header, P-256 key)', body: rawHeader([HeaderLabel.alg, -35]), status: 400, title: 'Rejected' },
    { name: 'x5chain that is not a certificate', body: sign({ sub: subjectOf(9), x5chain: te('not a certificate') }, () => unregistered), status: 400, title: 'Malformed request' },
    { name: 'x5chain as a number', body: rawHeader([HeaderLabel.x5chain, 7]), status: 400, title: 'Malformed request' },
    { name: 'x5chain only in the unprotected header', body: async () => signStatement(unregistered, { sub: subjectOf(9), protected: [[HeaderLabel.kid, undefined]], unprotected: new Map([[HeaderLabel.x5chain, unregistered.certificate]]) }), status: 400, title: 'Rejected' },
    {
      name: 'x5chain with an expired certificate',
      body: async () => {
        const cert = createCertificate({ subjectKey: unregistered.keyObject, issuerKey: unregistered.keyObject, subject: 'old', notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
        return signStatement(unregistered, { sub: subjectOf(9), x5chain: cert });
      },
      status: 400,
      title: 'Rejected',
    },
    {
      name: 'x5chain whose leaf is not signed by the next certificate',
      body: async () => {
        const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const caCert = createCertificate({ subjectKey: ca.publicKey, issuerKey: ca.privateKey, subject: 'CA', ca: true });
        return signStatement(unregistered, { sub: subjectOf(9), x5chain: [unregistered.certificate, caCert] });
      },
      status: 400,
      title: 'Rejected',
    },
    { name: 'x5t that is not the x5chain leaf thumbprint', body: async () => signStatement(unregistered, { sub: subjectOf(9), x5chain: unregistered.certificate, protected: [[HeaderLabel.kid, undefined], [HeaderLabel.x5t, [-16, new Uint8Array(32)]]] }), status: 400, title: 'Rejected' },
    { name: 'signed by a key other than the x5chain leaf', body: async () => signStatement(vendor, { sub: subjectOf(9), x5chain: unregistered.certificate }), status: 400, title: 'Rejected' },
    // policy (production ledger)
    { name: 'production: self-signed x5chain', body: async () => signStatement(unregistered, { sub: subjectOf(9), x5chain: unregistered.certificate }), status: 400, title: 'Rejected', ledger: 'prod' },
    { name: 'production: algorithm not allowed (ES384)', body: sign({ sub: subjectOf(9) }, () => es384), status: 400, title: 'Bad Signature Algorithm', ledger: 'prod' },
    { name: 'production: content type not allowed', body: sign({ sub: subjectOf(9), contentType: 'text/plain' }), status: 400, title: 'Rejected', ledger: 'prod' },
    { name: 'production: subject is not an OCI digest', body: sign({ sub: 'registry.example/app:latest' }), status: 400, title: 'Rejected', ledger: 'prod' },
    { name: 'revocation of an unknown entry', body: sign({ sub: subjectOf(2), contentType: REVOCATION_CONTENT_TYPE, payload: JSON.stringify({ revokes: ['e'.repeat(64)], reason: 'test' }) }), status: 400, title: 'Rejected', ledger: 'prod' },
    { name: "revocation of another issuer's entry", body: async () => signStatement(vendor, { sub: subjectOf(2), contentType: REVOCATION_CONTENT_TYPE, payload: JSON.stringify({ revokes: [partnerEntryId], reason: 'not mine' }) }), status: 400, title: 'Rejected', ledger: 'prod' },
    { name: 'revocation with a malformed payload', body: sign({ sub: subjectOf(2), contentType: REVOCATION_CONTENT_TYPE, payload: '{"revokes":"all"}' }), status: 400, title: 'Malformed request', ledger: 'prod' },
  ];

  it(`has a corpus of at least 40 bad statements (${cases.length})`, () => assert.ok(cases.length >= 40));

  for (const c of cases) {
    it(c.name, async () => {
      const target = c.ledger === 'prod' ? prod : dev;
      const before = { size: target.sequencer.size, events: (await target.store.readAll({ maxCount: 100000 })).length };
      const res = await register(target.url, await c.body(), c.headers);
      const p = await problemOf(res);
      assert.equal(res.status, c.status, `${p.title}: ${p.detail}`);
      assert.equal(p.contentType, 'application/concise-problem-details+cbor');
      assert.equal(p.title, c.title, p.detail);
      assert.ok(typeof p.detail === 'string' && p.detail.length > 5, 'a specific detail');
      assert.match(p.code, /^[A-Z0-9_]+$/);
      assert.equal(target.sequencer.size, before.size, 'nothing appended to the log');
      assert.equal((await target.store.readAll({ maxCount: 100000 })).length, before.events, 'no event written');
    });
  }

  it('a good statement still registers after all that', async () => {
    assert.equal((await register(dev.url, good)).status, 201);
  });
});
