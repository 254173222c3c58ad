/**
 * The auditor API against the real service (Nest + Fastify, embedded stores) over HTTP: claims by
 * issuer / key / subject / repository with filters and cursors, supersession, revocation through
 * POST /entries, entry status, stats, checkpoints (JSON and COSE), inclusion and consistency
 * proofs (JSON checked with libs/merkle, COSE receipts checked with libs/receipt), log replay that
 * recomputes the tree, and the 400/404 problem table.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSign1, verifySign1 } from '../../libs/cose/src/index.js';
import { CompactRange, hashLeaf, verifyConsistency, verifyInclusion } from '../../libs/merkle/src/index.js';
import { decodeReceipt, entryIdOf, toEntry, verifyConsistencyReceipt, verifyReceipt } from '../../libs/receipt/src/index.js';
import { problemOf, register, serviceKeys, startLedger, type TestLedger } from '../support/ledger.js';
import { digestOf, makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';
import { spdxJson } from '../support/content-fixtures.js';

const REVOCATION = 'application/vnd.scitt-ledger.revocation+json';
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

async function json<T = any>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers });
  assert.equal(res.status, 200, `${url}: HTTP ${res.status} ${res.status >= 400 ? JSON.stringify(await problemOf(res)) : ''}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as T;
}

/** Waits until the claims projection has caught up with the log. */
async function projected(ledger: TestLedger): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const s = await json<{ treeSize: number }>(`${ledger.url}/log/stats`);
    if (s.treeSize === ledger.sequencer.size) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the claims projection did not catch up');
}

async function registerOk(ledger: TestLedger, statement: Uint8Array): Promise<string> {
  const res = await register(ledger.url, statement);
  assert.equal(res.status, 201, res.status >= 400 ? JSON.stringify(await problemOf(res)) : String(res.status));
  await res.arrayBuffer();
  return entryIdOf(toEntry(statement).entry);
}

/** Every page of /claims?<query>, following `next`. */
async function allClaims(ledger: TestLedger, query: string, limit = 2): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page: { items: any[]; next: string | null } = await json(`${ledger.url}/claims?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    if (!page.next) return items;
    cursor = page.next;
  }
  throw new Error('too many pages');
}

describe('auditor API', () => {
  let ledger: TestLedger;
  let alice: TestIssuer;
  let bob: TestIssuer;
  const ids: Record<string, string> = {};
  const statements: Record<string, Uint8Array> = {};
  let t0 = '';
  let t1 = '';

  before(async () => {
    alice = await makeIssuer('https://ci.alice.example');
    bob = await makeIssuer('https://ci.bob.example', 'EdDSA');
    ledger = await startLedger({
      policy: { version: 1, mode: 'production', issuers: [{ iss: alice.iss, keys: [{ jwk: alice.jwk }] }, { iss: bob.iss, keys: [{ jwk: bob.jwk }] }] },
      env: { RATE_LIMIT_PER_MINUTE: '0' },
    });
    const reg = async (name: string, who: TestIssuer, o: Parameters<typeof signStatement>[1]): Promise<void> => {
      statements[name] = await signStatement(who, o);
      ids[name] = await registerOk(ledger, statements[name]!);
    };
    t0 = new Date().toISOString();
    await reg('a1', alice, { sub: subjectOf(1), payload: '{"v":1}' });
    await reg('b1', bob, { sub: `oci://REGISTRY.example/app@${digestOf(1)}`, payload: spdxJson('by bob'), contentType: 'application/spdx+json' });
    await reg('a2', alice, { sub: `oci://registry.example/app@${digestOf(1)}`, payload: '{"v":2}' }); // supersedes a1 (same collection)
    await reg('a3', alice, { sub: subjectOf(2), payload: '{"v":3}' });
    await reg('a4', alice, { sub: 'pkg:npm/left-pad@1.3.0', payload: '{"v":4}' });
    await new Promise((r) => setTimeout(r, 5));
    t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await reg('b2', bob, { sub: subjectOf(3, 'other.example'), payload: '{"by":"bob","n":2}' });
    await projected(ledger);
  });
  after(async () => ledger?.destroy());

  it('GET /claims?issuer= lists that issuer\'s claims newest first, each page exactly once', async () => {
    const items = await allClaims(ledger, `issuer=${encodeURIComponent(alice.iss)}`);
    assert.deepEqual(items.map((c) => c.entryId), [ids.a4, ids.a3, ids.a2, ids.a1]);
    const a1 = items.at(-1);
    assert.equal(a1.iss, alice.iss);
    assert.equal(a1.sub, subjectOf(1));
    assert.equal(a1.contentType, 'application/json');
    assert.equal(a1.kid, Buffer.from(alice.kid).toString('hex'));
    assert.equal(a1.revoked, false);
    assert.equal(a1.supersededBy, ids.a2);
    assert.equal(typeof a1.index, 'number');
    assert.ok(Date.parse(a1.registeredAt) >= Date.parse(t0) - 1000);
  });

  it('GET /claims?subject= normalises OCI references and shows other issuers and supersession', async () => {
    for (const form of [subjectOf(1), `oci://Registry.Example/app@${digestOf(1)}`, `registry.example/app:v1@${digestOf(1)}`]) {
      const items = await allClaims(ledger, `subject=${encodeURIComponent(form)}`);
      assert.deepEqual(items.map((c) => c.entryId), [ids.a2, ids.b1, ids.a1], form);
      assert.equal(items[0].supersededBy, undefined);
      assert.equal(items[1].supersededBy, undefined, 'another issuer does not supersede');
    }
    const npm = await allClaims(ledger, `subject=${encodeURIComponent('pkg:npm/left-pad@1.3.0')}`);
    assert.deepEqual(npm.map((c) => c.entryId), [ids.a4]);
    assert.deepEqual(await allClaims(ledger, `subject=${encodeURIComponent(subjectOf(99))}`), []);
  });

  it('GET /claims?repository=, ?kid=, contentType, since/until filters', async () => {
    const repo = await allClaims(ledger, 'repository=oci://registry.example/app');
    assert.deepEqual(repo.map((c) => c.entryId), [ids.a3, ids.a2, ids.b1, ids.a1]);
    const byKid = await allClaims(ledger, `kid=${Buffer.from(bob.kid).toString('hex').toUpperCase()}`);
    assert.deepEqual(byKid.map((c) => c.entryId), [ids.b2, ids.b1]);
    const spdx = await allClaims(ledger, 'contentType=application%2Fspdx%2Bjson');
    assert.deepEqual(spdx.map((c) => c.entryId), [ids.b1]);
    const late = await allClaims(ledger, `since=${t1}`);
    assert.deepEqual(late.map((c) => c.entryId), [ids.b2]);
    const early = await allClaims(ledger, `until=${t1}&issuer=${encodeURIComponent(bob.iss)}`);
    assert.deepEqual(early.map((c) => c.entryId), [ids.b1]);
  });

  it('GET /log/stats counts entries per issuer and content type', async () => {
    const s = await json(`${ledger.url}/log/stats`);
    assert.equal(s.treeSize, 6);
    assert.deepEqual(s.issuers, { [alice.iss]: 4, [bob.iss]: 2 });
    assert.deepEqual(s.contentTypes, { 'application/json': 5, 'application/spdx+json': 1 });
    assert.equal(s.checkpoint.treeSize, 6);
    assert.ok(Date.parse(s.checkpoint.signedAt) > 0);
  });

  it('a revocation by another issuer is rejected at POST /entries and appends nothing', async () => {
    const before = ledger.sequencer.size;
    const statement = await signStatement(bob, { sub: subjectOf(2), contentType: REVOCATION, payload: JSON.stringify({ revokes: [ids.a3], reason: 'not yours' }) });
    const res = await register(ledger.url, statement);
    assert.equal(res.status, 400);
    const p = await problemOf(res);
    assert.equal(p.contentType, 'application/concise-problem-details+cbor');
    assert.equal(p.code, 'ERR_REVOCATION_FOREIGN_ENTRY');
    assert.equal(ledger.sequencer.size, before);
    const status = await json(`${ledger.url}/entries/${ids.a3}/status`);
    assert.equal(status.revoked, false);
  });

  it('a revocation by the issuer marks the claim revoked from its log index on', async () => {
    const rid = await registerOk(
      ledger,
      await signStatement(alice, { sub: subjectOf(2), contentType: REVOCATION, payload: JSON.stringify({ revokes: [ids.a3], reason: 'key compromise' }) }),
    );
    ids.r1 = rid;
    // no explicit wait: the status query waits for the projection to reach an entry the log holds
    const status = await json(`${ledger.url}/entries/${ids.a3}/status`);
    const revIndex = (await json(`${ledger.url}/entries/${rid}/status`)).index;
    assert.deepEqual(status, {
      entryId: ids.a3,
      index: 3,
      iss: alice.iss,
      sub: subjectOf(2),
      contentType: 'application/json',
      registeredAt: status.registeredAt,
      revoked: true,
      revocation: { byEntryId: rid, atIndex: revIndex, reason: 'key compromise' },
      current: false,
      statementId: status.statementId,
      kind: 'application/json',
      subjectDigest: digestOf(2),
      publication: status.publication,
    });
    assert.match(status.statementId, /^[0-9a-f]{64}$/);
    assert.ok(status.publication === null || typeof status.publication === 'object');
    await projected(ledger);
    assert.deepEqual((await allClaims(ledger, 'revoked=true')).map((c) => c.entryId), [ids.a3]);
    assert.ok(!(await allClaims(ledger, 'revoked=false', 100)).some((c) => c.entryId === ids.a3));
    assert.equal((await json(`${ledger.url}/log/stats`)).revoked, 1);
    const superseded = await json(`${ledger.url}/entries/${ids.a1}/status`);
    assert.equal(superseded.supersededBy, ids.a2);
    assert.equal(superseded.revoked, false);
    assert.equal(superseded.revocation, undefined);
  });

  it('checkpoints: latest, by size, list pages; COSE form verifies with the service key and equals the receipt signature', async () => {
    const latest = await json(`${ledger.url}/checkpoints/latest`);
    assert.equal(latest.treeSize, ledger.sequencer.size);
    assert.match(latest.root, /^[0-9a-f]{64}$/);
    const keys = await serviceKeys(ledger.url);
    assert.equal(latest.kid, Buffer.from(keys[0]!.kid!).toString('hex'));
    assert.deepEqual(await json(`${ledger.url}/checkpoints/${latest.treeSize}`), latest);
    // every registration above was its own batch: one checkpoint per size 1..n
    const listed: any[] = [];
    let after = 0;
    for (;;) {
      const page = await json(`${ledger.url}/checkpoints?after=${after}&limit=2`);
      listed.push(...page.items);
      if (page.next === null) break;
      after = page.next;
    }
    assert.deepEqual(listed.map((c) => c.treeSize), [...new Set(listed.map((c) => c.treeSize))].sort((a, b) => a - b));
    assert.equal(listed.at(-1).treeSize, latest.treeSize);
    const res = await fetch(`${ledger.url}/checkpoints/latest`, { headers: { accept: 'application/cose' } });
    assert.equal(res.headers.get('content-type'), 'application/cose');
    const sign1 = decodeSign1(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(sign1.payload, hex(latest.root));
    await verifySign1(sign1, keys[0]!);
    assert.equal(Buffer.from(sign1.signature).toString('base64url'), latest.signature);
    // the receipt of the last entry of that batch carries the same signature
    const receipt = decodeReceipt(new Uint8Array(await (await fetch(`${ledger.url}/entries/${ids.r1}`)).arrayBuffer()));
    assert.deepEqual(receipt.sign1.signature, sign1.signature);
  });

  it('inclusion proofs: JSON verifies with libs/merkle, COSE is an RFC 9942 receipt that verifies offline', async () => {
    const keys = await serviceKeys(ledger.url);
    const size = ledger.sequencer.size;
    for (const treeSize of [undefined, 3, size]) {
      const p = await json(`${ledger.url}/proofs/inclusion?entry=${ids.a2}${treeSize ? `&treeSize=${treeSize}` : ''}`);
      assert.equal(p.entryId, ids.a2);
      assert.equal(p.treeSize, treeSize ?? size);
      assert.equal(p.leafHash, Buffer.from(hashLeaf(toEntry(statements.a2!).entry)).toString('hex'));
      verifyInclusion(hex(p.leafHash), p.leafIndex, p.treeSize, p.path.map(hex), hex(p.root));
      assert.equal(p.root, (await json(`${ledger.url}/checkpoints/${p.treeSize}`)).root);
    }
    const byIndex = await json(`${ledger.url}/proofs/inclusion?index=2`);
    assert.equal(byIndex.entryId, ids.a2);
    // by index and by entry id answer alike (an index reads its entry id with the proof's nodes), at
    // every tree size that holds the entry, the tree of one leaf (an empty path) included
    for (let at = 0; at < size; at++) {
      for (const treeSize of new Set([at + 1, size])) {
        const p = await json(`${ledger.url}/proofs/inclusion?index=${at}&treeSize=${treeSize}`);
        assert.deepEqual(p, await json(`${ledger.url}/proofs/inclusion?entry=${p.entryId}&treeSize=${treeSize}`), `index ${at} at ${treeSize}`);
        verifyInclusion(hex(p.leafHash), at, treeSize, p.path.map(hex), hex(p.root));
      }
    }
    const beyond = await fetch(`${ledger.url}/proofs/inclusion?index=${size}`);
    assert.equal(beyond.status, 404);
    assert.equal((await problemOf(beyond)).detail, `no entry at index ${size} in this log`);
    const outside = await fetch(`${ledger.url}/proofs/inclusion?index=2&treeSize=2`);
    assert.equal(outside.status, 400);
    const p2 = await problemOf(outside);
    assert.deepEqual([p2.code, p2.detail], ['ERR_NOT_IN_TREE', `entry ${ids.a2} has index 2: it is not in the tree of size 2`]);
    // the body is written directly (inclusion.route.ts): the bytes JSON.stringify gives, as JSON
    const raw = await fetch(`${ledger.url}/proofs/inclusion?index=2`);
    assert.match(raw.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
    const text = await raw.text();
    assert.equal(text, JSON.stringify(JSON.parse(text)));
    assert.deepEqual(Object.keys(JSON.parse(text)), ['entryId', 'leafIndex', 'treeSize', 'leafHash', 'root', 'path']);
    const res = await fetch(`${ledger.url}/proofs/inclusion?entry=${ids.a1}&treeSize=4`, { headers: { accept: 'application/cose' } });
    assert.equal(res.status, 200);
    const v = await verifyReceipt(new Uint8Array(await res.arrayBuffer()), statements.a1!, keys, { expectedLogId: 'test-log' });
    assert.equal(v.treeSize, 4);
    assert.equal(v.leafIndex, 0);
  });

  it('consistency proofs: JSON verifies, COSE receipt verifies against the old root', async () => {
    const keys = await serviceKeys(ledger.url);
    const size = ledger.sequencer.size;
    for (const [a, b] of [[1, size], [3, 5], [4, 4], [2, undefined]] as const) {
      const p = await json(`${ledger.url}/proofs/consistency?from=${a}${b ? `&to=${b}` : ''}`);
      assert.equal(p.to, b ?? size);
      verifyConsistency(p.from, p.to, p.path.map(hex), hex(p.root1), hex(p.root2));
      assert.equal(p.root1, (await json(`${ledger.url}/checkpoints/${a}`)).root);
    }
    const old = await json(`${ledger.url}/checkpoints/3`);
    const res = await fetch(`${ledger.url}/proofs/consistency?from=3&to=${size}`, { headers: { accept: 'application/cose' } });
    assert.equal(res.status, 200);
    const v = await verifyConsistencyReceipt(new Uint8Array(await res.arrayBuffer()), hex(old.root), keys, { expectedSize1: 3 });
    assert.equal(Buffer.from(v.root2).toString('hex'), (await json(`${ledger.url}/checkpoints/latest`)).root);
  });

  it('log replay: every page of /log/entries recomputes the leaves and the checkpointed root', async () => {
    const range = new CompactRange();
    let start: number | null = 0;
    const seen: string[] = [];
    while (start !== null) {
      const page: { items: any[]; next: number | null } = await json(`${ledger.url}/log/entries?start=${start}&limit=3`);
      for (const it of page.items) {
        assert.equal(it.index, range.size);
        const entry = new Uint8Array(Buffer.from(it.entry, 'base64url'));
        assert.equal(entryIdOf(entry), it.entryId);
        range.append(hashLeaf(entry));
        seen.push(it.entryId);
        assert.ok(it.iss && it.sub && it.kid && it.registeredAt);
      }
      start = page.next;
    }
    const latest = await json(`${ledger.url}/checkpoints/latest`);
    assert.equal(range.size, latest.treeSize);
    assert.equal(Buffer.from(range.root()).toString('hex'), latest.root);
    assert.deepEqual(seen.slice(0, 3), [ids.a1, ids.b1, ids.a2]);
  });

  it('bad parameters → 400 problem details, unknown things → 404', async () => {
    const size = ledger.sequencer.size;
    const cases: [string, number, Record<string, string>?][] = [
      ['/claims?cursor=bm90LWEtbnVtYmVy', 400],
      ['/claims?cursor=!!', 400],
      ['/claims?limit=0', 400],
      ['/claims?limit=1001', 400],
      ['/claims?limit=ten', 400],
      ['/claims?limit=1&limit=2', 400],
      ['/claims?since=yesterday', 400],
      ['/claims?until=2025-13-01T00:00:00Z', 400],
      ['/claims?since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z', 400],
      ['/claims?revoked=yes', 400],
      ['/claims?kid=xyz', 400],
      ['/claims?repository=not%20a%20repo', 400],
      ['/claims?issuer_typo=x', 400],
      ['/entries/ABC/status', 400],
      [`/entries/${'0'.repeat(64)}/status`, 404],
      [`/checkpoints/${size + 1}`, 400],
      ['/checkpoints/-1', 400],
      ['/checkpoints/0', 404],
      ['/checkpoints?after=x', 400],
      ['/checkpoints?limit=5000', 400],
      [`/proofs/inclusion?entry=${'zz'.repeat(32)}`, 400],
      [`/proofs/inclusion?entry=${'0'.repeat(64)}`, 404],
      ['/proofs/inclusion', 400],
      [`/proofs/inclusion?entry=${ids.b2}&treeSize=${size + 5}`, 400],
      [`/proofs/inclusion?entry=${ids.b2}&treeSize=2`, 400],
      ['/proofs/consistency?from=0&to=2', 400],
      ['/proofs/consistency?from=3&to=2', 400],
      [`/proofs/consistency?from=1&to=${size + 1}`, 400],
      ['/proofs/consistency', 400],
      ['/log/entries?start=-1', 400],
      [`/log/entries?start=${size + 1}`, 400],
      ['/log/entries?limit=1001', 400],
    ];
    for (const [path, status, headers] of cases) {
      const res = await fetch(ledger.url + path, { headers });
      assert.equal(res.status, status, `${path}: ${res.status}`);
      const p = await problemOf(res);
      assert.equal(p.contentType, 'application/concise-problem-details+cbor', path);
      assert.ok(p.detail.length > 0 && p.code.startsWith('ERR_'), path);
    }
    const empty = await json(`${ledger.url}/log/entries?start=${size}`);
    assert.deepEqual(empty, { items: [], next: null });
  });

  it('pages of /claims return every row exactly once while registrations continue', async () => {
    const existing = await allClaims(ledger, `issuer=${encodeURIComponent(alice.iss)}`, 1000);
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) await registerOk(ledger, await signStatement(alice, { sub: subjectOf(1000 + n++), payload: `{"n":${n}}` }));
    })();
    try {
      for (let k = 0; k < 20 && n < 5; k++) await new Promise((r) => setTimeout(r, 20));
      const seen = await allClaims(ledger, `issuer=${encodeURIComponent(alice.iss)}`, 1);
      const unique = new Set(seen.map((c) => c.entryId));
      assert.equal(unique.size, seen.length, 'a row came twice');
      for (const c of existing) assert.ok(unique.has(c.entryId), `row ${c.entryId} missing`);
      const indices = seen.map((c) => c.index);
      assert.deepEqual(indices, [...indices].sort((a, b) => b - a));
    } finally {
      writing = false;
      await writer;
    }
    assert.ok(n > 0);
  });

  it('survives a restart: same rows, no doubled counts', async () => {
    await projected(ledger);
    const stats = await json(`${ledger.url}/log/stats`);
    const claims = await allClaims(ledger, '', 1000);
    ledger = await ledger.restart();
    await projected(ledger);
    assert.deepEqual(await json(`${ledger.url}/log/stats`), stats);
    assert.deepEqual(await allClaims(ledger, '', 1000), claims);
  });
});
