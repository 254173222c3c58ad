/**
 * SCRAPI registration against the real service (Nest + Fastify, embedded SQLite store) over HTTP:
 * happy paths, the 303/302/200 flow, idempotency, receipts verified offline with keys fetched from
 * /.well-known/scitt-keys, restart, and 1,000 concurrent registrations.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeSign1, encodeSign1, HeaderLabel } from '../../libs/cose/src/index.js';
import { verifyInclusion, hashLeaf } from '../../libs/merkle/src/index.js';
import { decodeReceipt, entryIdOf, toEntry, verifyReceipt, verifyTransparentStatement } from '../../libs/receipt/src/index.js';
import { register, serviceKeys, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type AlgName, type TestIssuer } from '../support/statements.js';

describe('registration (SCRAPI POST /entries) on the embedded store', () => {
  let ledger: TestLedger;
  const issuers: Record<AlgName, TestIssuer> = {} as never;

  before(async () => {
    for (const alg of ['ES256', 'ES384', 'EdDSA'] as const) issuers[alg] = await makeIssuer(`https://ci-${alg.toLowerCase()}.vendor.example`, alg);
    ledger = await startLedger({
      policy: {
        version: 1,
        mode: 'development',
        issuers: Object.values(issuers).map((i) => ({ iss: i.iss, keys: [{ jwk: i.jwk }] })),
      },
    });
  });
  after(async () => ledger?.destroy());

  for (const alg of ['ES256', 'ES384', 'EdDSA'] as const) {
    it(`registers an ${alg} statement and answers 201 with a receipt that verifies offline`, async () => {
      const statement = await signStatement(issuers[alg], { sub: subjectOf(1), payload: `{"alg":"${alg}"}` });
      const res = await register(ledger.url, statement);
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'application/cose');
      const entryId = entryIdOf(toEntry(statement).entry);
      assert.equal(res.headers.get('location'), `/entries/${entryId}`);
      const receipt = new Uint8Array(await res.arrayBuffer());
      const keys = await serviceKeys(ledger.url);
      const v = await verifyReceipt(receipt, statement, keys, { expectedIssuer: 'https://ledger.test', expectedLogId: 'test-log' });
      assert.equal(v.sub, 'test-log');
      assert.ok(v.leafIndex < v.treeSize);
    });
  }

  it('registers a hash envelope (258/259) and an x5chain statement (development policy)', async () => {
    const i = issuers.ES256;
    const digest = createHash('sha256').update('the SBOM bytes').digest();
    const envelope = await signStatement(i, { sub: subjectOf(2), payload: digest, contentType: 'application/spdx+json', hashEnvelope: true });
    assert.equal((await register(ledger.url, envelope)).status, 201);
    const other = await makeIssuer('https://unregistered.example', 'ES256');
    const x5 = await signStatement(other, { sub: subjectOf(3), x5chain: other.certificate });
    const res = await register(ledger.url, x5);
    assert.equal(res.status, 201);
    const entryId = entryIdOf(toEntry(x5).entry);
    // The transparent statement: the entry with the receipt in 394, verifiable with the x5chain key.
    const ts = new Uint8Array(await (await fetch(`${ledger.url}/entries/${entryId}/statement`)).arrayBuffer());
    const r = await verifyTransparentStatement(ts, { serviceKeys: await serviceKeys(ledger.url), issuerKey: () => other.publicKey });
    assert.equal(r.entryId, entryId);
    assert.equal(r.receipts.length, 1);
  });

  it('is idempotent: the same statement again gives the same entry id and receipt', async () => {
    const statement = await signStatement(issuers.ES256, { sub: subjectOf(4) });
    const a = await register(ledger.url, statement);
    const b = await register(ledger.url, statement);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(a.headers.get('location'), b.headers.get('location'));
    assert.deepEqual(new Uint8Array(await a.arrayBuffer()), new Uint8Array(await b.arrayBuffer()));
    // the unprotected header is not part of the entry: the same statement with unprotected labels is the same entry
    const sign1 = decodeSign1(statement);
    const withUnprotected = encodeSign1({ ...sign1, unprotectedHeader: new Map<number | string, unknown>([[-70000, 'hint']]) });
    const c = await register(ledger.url, withUnprotected);
    assert.equal(c.status, 201);
    assert.equal(c.headers.get('location'), a.headers.get('location'));
  });

  it('Prefer: respond-async → 303 + Location + Retry-After, then GET → 200 with the receipt', async () => {
    const statement = await signStatement(issuers.EdDSA, { sub: subjectOf(5) });
    const res = await register(ledger.url, statement, { prefer: 'respond-async' });
    assert.equal(res.status, 303);
    const location = res.headers.get('location')!;
    assert.match(location, /^\/entries\/[0-9a-f]{64}$/);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    let status = 0;
    let body = new Uint8Array();
    for (let i = 0; i < 50; i++) {
      const g = await fetch(ledger.url + location, { redirect: 'manual' });
      status = g.status;
      if (status === 302) {
        assert.equal(g.headers.get('location'), location);
        assert.ok(g.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      body = new Uint8Array(await g.arrayBuffer());
      break;
    }
    assert.equal(status, 200);
    await verifyReceipt(body, statement, await serviceKeys(ledger.url));
  });

  it('GET /entries/{id} for an unknown id → 404 problem details', async () => {
    const res = await fetch(`${ledger.url}/entries/${'0'.repeat(64)}`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/concise-problem-details+cbor');
  });

  it('serves the key set and each key by hex and base64url kid', async () => {
    const keys = await serviceKeys(ledger.url);
    assert.equal(keys.length, 1);
    const kid = keys[0]!.kid!;
    for (const form of [Buffer.from(kid).toString('hex'), Buffer.from(kid).toString('base64url')]) {
      const res = await fetch(`${ledger.url}/.well-known/scitt-keys/${form}`);
      assert.equal(res.status, 200, form);
    }
    assert.equal((await fetch(`${ledger.url}/.well-known/scitt-keys/${'ab'.repeat(32)}`)).status, 404);
  });

  it('1,000 concurrent registrations get 1,000 distinct indices in one consistent tree', async () => {
    const i = issuers.ES256;
    const statements = await Promise.all(Array.from({ length: 1000 }, (_, n) => signStatement(i, { sub: subjectOf(10_000 + n) })));
    const before = ledger.sequencer.size;
    const receipts = await Promise.all(
      statements.map(async (s) => {
        const res = await register(ledger.url, s);
        assert.equal(res.status, 201);
        return new Uint8Array(await res.arrayBuffer());
      }),
    );
    const indices = new Set(receipts.map((r) => decodeReceipt(r).inclusion![0]!.leafIndex));
    assert.equal(indices.size, 1000);
    assert.equal(ledger.sequencer.size, before + 1000);
    // every receipt's proof leads to the root the log signed at that size, and the final root covers all
    const cp = ledger.index.checkpoint()!;
    assert.equal(cp.treeSize, ledger.sequencer.size);
    const keys = await serviceKeys(ledger.url);
    for (const [n, r] of receipts.entries()) await verifyReceipt(r, statements[n]!, keys);
    // inclusion of an early entry in the latest tree, from the stored nodes
    const { inclusionProof } = await import('../../libs/merkle/src/index.js');
    const first = ledger.index.entryById(entryIdOf(toEntry(statements[0]!).entry))!;
    const proof = await inclusionProof(ledger.index, first.index, cp.treeSize);
    verifyInclusion(hashLeaf(toEntry(statements[0]!).entry), first.index, cp.treeSize, proof, cp.root);
  });

  it('survives a restart: everything is kept and the next entry extends the same tree', async () => {
    const statement = await signStatement(issuers.ES384, { sub: subjectOf(6) });
    const first = await register(ledger.url, statement);
    const receipt1 = new Uint8Array(await first.arrayBuffer());
    const sizeBefore = ledger.sequencer.size;
    const rootBefore = ledger.index.checkpoint()!.root;
    ledger = await ledger.restart();
    assert.equal(ledger.sequencer.size, sizeBefore);
    const again = await fetch(`${ledger.url}/entries/${entryIdOf(toEntry(statement).entry)}`);
    assert.deepEqual(new Uint8Array(await again.arrayBuffer()), receipt1);
    const next = await register(ledger.url, await signStatement(issuers.ES384, { sub: subjectOf(7) }));
    assert.equal(next.status, 201);
    const r = decodeReceipt(new Uint8Array(await next.arrayBuffer()));
    assert.equal(r.inclusion![0]!.leafIndex, sizeBefore);
    // consistency between the tree before the restart and after
    const { consistencyProof, verifyConsistency } = await import('../../libs/merkle/src/index.js');
    const cp = ledger.index.checkpoint()!;
    verifyConsistency(sizeBefore, cp.treeSize, await consistencyProof(ledger.index, sizeBefore, cp.treeSize), rootBefore, cp.root);
    assert.ok(HeaderLabel.receipts);
  });
});
