/**
 * Statement identity (issue "Hardening" §1, docs/receipts.md): an ECDSA signature (r, s) has a twin
 * (r, n − s) that anyone can make and that verifies as well. Before statement identity, a third
 * party could take a revoked claim's transparent statement, swap in the twin signature and register
 * it as a new entry — unrevoked, and as the issuer's newest claim superseding the real current one.
 * Now the twin is the same statement: it gets the original's entry id and receipt, never an entry.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSign1 } from '../../libs/cose/src/index.js';
import { REVOCATION_CONTENT_TYPE } from '../../libs/ledger/src/index.js';
import { entryIdOf, statementIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { ALG, makeIssuer, signStatement, subjectOf, twinOf, type AlgName, type TestIssuer } from '../support/statements.js';

const idOf = (s: Uint8Array): string => entryIdOf(toEntry(s).entry);
const locationId = (res: Response): string => res.headers.get('location')!.replace('/entries/', '');
const json = async (url: string): Promise<any> => {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  return res.json();
};

describe('statement identity: a re-encoded signature is the same statement', () => {
  const issuers: Partial<Record<AlgName, TestIssuer>> = {};
  let ledger: TestLedger;

  before(async () => {
    for (const alg of ['ES256', 'ES384', 'EdDSA'] as const) issuers[alg] = await makeIssuer(`https://vendor-${alg.toLowerCase()}.example`, alg);
    const list = Object.values(issuers).map((i) => ({ iss: i!.iss, keys: [{ jwk: i!.jwk }] }));
    ledger = await startLedger({ policy: { version: 1, mode: 'production', issuers: list } });
  });
  after(async () => ledger?.destroy());

  for (const alg of ['ES256', 'ES384'] as const) {
    it(`${alg}: a revoked claim cannot be revived by a third party with the twin signature`, async () => {
      const vendor = issuers[alg]!;
      const sub = subjectOf(alg === 'ES256' ? 0x256 : 0x384);
      const v1 = await signStatement(vendor, { sub, payload: '{"version":1,"vulnerable":true}' });
      const r1 = await register(ledger.url, v1);
      assert.equal(r1.status, 201);
      const v2 = await signStatement(vendor, { sub, payload: '{"version":2}' });
      assert.equal((await register(ledger.url, v2)).status, 201);
      const revoke = await signStatement(vendor, { sub, contentType: REVOCATION_CONTENT_TYPE, payload: JSON.stringify({ revokes: [idOf(v1)], reason: 'CVE fixed in v2' }) });
      assert.equal((await register(ledger.url, revoke)).status, 201);

      // The attacker: fetch v1's transparent statement, clear the unprotected header, twin the signature.
      const ts = new Uint8Array(await (await fetch(`${ledger.url}/entries/${idOf(v1)}/statement`)).arrayBuffer());
      const twin = twinOf(ts, ALG[alg]);
      assert.notEqual(idOf(twin), idOf(v1), 'the twin is another entry id');
      assert.equal(statementIdOf(twin), statementIdOf(v1), 'but the same statement id');
      const size = ledger.sequencer.size;
      const res = await register(ledger.url, twin);
      assert.equal(res.status, 201);
      assert.equal(locationId(res), idOf(v1), "the twin is answered with the original's entry id");
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), new Uint8Array(await r1.arrayBuffer()), "and the original's receipt");
      assert.equal(ledger.sequencer.size, size, 'nothing was appended');
      assert.equal((await fetch(`${ledger.url}/entries/${idOf(twin)}`)).status, 404, 'the twin is no entry');

      const claims = await json(`${ledger.url}/claims?subject=${encodeURIComponent(sub)}`);
      const byId = new Map<string, { revoked: boolean; supersededBy?: string }>(claims.items.map((c: { entryId: string }) => [c.entryId, c]));
      assert.equal(byId.get(idOf(v1))?.revoked, true, 'v1 stays revoked');
      assert.equal(byId.get(idOf(v2))?.supersededBy, undefined, 'v2 stays current');
      assert.equal(byId.get(idOf(v2))?.revoked, false);
      assert.equal(claims.items.length, 3);
    });
  }

  it('ES256: twins sent at the same time make one entry', async () => {
    const vendor = issuers.ES256!;
    const s = await signStatement(vendor, { sub: subjectOf(0x1256), payload: '{"concurrent":true}' });
    const size = ledger.sequencer.size;
    const [a, b] = await Promise.all([register(ledger.url, s), register(ledger.url, twinOf(s, ALG.ES256))]);
    assert.deepEqual([a.status, b.status], [201, 201]);
    assert.equal(locationId(a), locationId(b));
    assert.equal(ledger.sequencer.size, size + 1);
  });

  it('a twin whose signature does not verify is refused, not answered with the original', async () => {
    const vendor = issuers.ES256!;
    const s = await signStatement(vendor, { sub: subjectOf(0x2256) });
    assert.equal((await register(ledger.url, s)).status, 201);
    const d = decodeSign1(s);
    const bad = twinOf(s, ALG.ES256);
    bad[bad.length - 1]! ^= 1; // the same to-be-signed bytes, a signature that verifies under nothing
    assert.equal(decodeSign1(bad).protectedBytes.length, d.protectedBytes.length);
    const res = await register(ledger.url, bad);
    assert.equal(res.status, 400);
    assert.equal((await problemOf(res)).code, 'ERR_COSE_SIGNATURE_INVALID');
  });

  it('EdDSA is not malleable this way: the S + L twin does not verify and is refused', async () => {
    const vendor = issuers.EdDSA!;
    const s = await signStatement(vendor, { sub: subjectOf(0x25519) });
    assert.equal((await register(ledger.url, s)).status, 201);
    const size = ledger.sequencer.size;
    const res = await register(ledger.url, twinOf(s, ALG.EdDSA));
    assert.equal(res.status, 400);
    assert.equal((await problemOf(res)).code, 'ERR_COSE_SIGNATURE_INVALID');
    assert.equal(ledger.sequencer.size, size);
  });
});
