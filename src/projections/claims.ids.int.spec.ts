/**
 * The claims projection finds claims by entry id and by statement id without a SQLite index on them
 * (claims.projection.ts v4): `claim_ids` rows and in-memory locators keyed by the ids' first 32 bits,
 * each candidate checked against its row. These tests hold it to the answers an index gave: across
 * batches, a reopened file, a rolled-back batch, ids that share their first 32 bits, and a reader
 * on another connection while the writer goes on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { createMemoryEventStore, type RecordedEvent } from '../../libs/event-store/src/index.js';
import { REVOCATION_CONTENT_TYPE, type LedgerEvent } from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { CLAIMS_TABLES, claimsProjection } from './claims.projection.js';
import { ClaimsReader } from './claims.reader.js';
import { ProjectionStore } from './projection.store.js';
import { catchUp } from './projection.runner.js';
import { appendLedger, dumpTables, loadLedger } from './test/ledger-events.fixture.js';

const LOG = 'ids';
const S = `registry.example/app@sha256:${'ab'.repeat(32)}`;
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scitt-claim-ids-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  readonly payload: string;
  readonly sig: number;
  readonly ct?: string;
  /** the event's entry id instead of the entry's hash (to make ids that share their first 32 bits) */
  readonly entryId?: string;
}

/** The log's events (entry, checkpoint per entry) and its entry ids. */
function log(rows: readonly Row[]): { events: LedgerEvent[][]; ids: string[] } {
  const ids: string[] = [];
  const events = rows.map((r, index): LedgerEvent[] => {
    const ct = r.ct ?? 'application/json';
    const entry = encodeSign1({ protectedBytes: encodeCbor(new Map<number, unknown>([[1, -7], [3, ct]])), unprotectedHeader: new Map(), payload: new TextEncoder().encode(r.payload), signature: new Uint8Array(64).fill(r.sig) });
    const entryId = r.entryId ?? createHash('sha256').update(entry).digest('hex');
    ids.push(entryId);
    return [
      { type: 'EntryRegistered', index, entryId, leafHash: hashLeaf(entry), entry, iss: 'vendor', sub: S, contentType: ct, kid: 'aa', registeredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString() },
      { type: 'CheckpointSigned', treeSize: index + 1, root: new Uint8Array(32), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: '2025-01-01T00:00:00Z' },
    ];
  });
  return { events, ids };
}

const revoke = (id: string, sig: number): Row => ({ payload: JSON.stringify({ revokes: [id], reason: `r${sig}` }), sig, ct: REVOCATION_CONTENT_TYPE });

async function recorded(events: LedgerEvent[][]): Promise<RecordedEvent[]> {
  const store = createMemoryEventStore();
  await appendLedger(store, LOG, events, -1);
  return store.readAll({ maxCount: 10_000 });
}

const open = (name: string, o: Partial<ConstructorParameters<typeof ProjectionStore>[0]> = {}) =>
  new ProjectionStore({ path: join(dir, name), logId: LOG, projections: [claimsProjection], exclusive: false, ...o });

/** A log with twins, revocations by entry id and by statement, and an explicit target in the same batch as its revocation. */
function twinsLog(): { events: LedgerEvent[][]; ids: string[] } {
  const base = log([{ payload: '{"v":1}', sig: 1 }, { payload: '{"v":2}', sig: 2 }]).ids;
  return log([
    { payload: '{"v":1}', sig: 1 }, // 0
    { payload: '{"v":2}', sig: 2 }, // 1
    { payload: '{"v":1}', sig: 3 }, // 2: a twin of 0
    revoke(base[1]!, 4), // 3: revokes 1
    { payload: '{"v":2}', sig: 5 }, // 4: a twin of 1 (revoked with it)
    { payload: '{"v":3}', sig: 6 }, // 5
    revoke(base[0]!, 7), // 6: revokes 0 and its twin
  ]);
}

describe('claims projection: lookups by id without a SQLite index', () => {
  it('gives the same rows applied in one batch, one entry per batch, and one per batch with the file reopened each time', async () => {
    const { events, ids } = twinsLog();
    const all = await recorded(events);
    const one = open('one.sqlite');
    one.applyBatch('claims', all);
    const expected = dumpTables(one.db, CLAIMS_TABLES);
    const reader = new ClaimsReader(one.db);
    assert.equal(reader.claim(ids[2]!)?.duplicateOf, ids[0], 'the twin found in the same batch');
    assert.equal(reader.claim(ids[4]!)?.revoked, true, 'revoked with its first entry');
    assert.equal(reader.claim(ids[0]!)?.revoked, true);
    assert.equal(reader.claim(ids[5]!)?.revoked, false);
    one.close();

    const paged = open('paged.sqlite');
    for (let i = 0; i < all.length; i += 2) paged.applyBatch('claims', all.slice(i, i + 2));
    assert.deepEqual(dumpTables(paged.db, CLAIMS_TABLES), expected, 'one entry per batch');
    paged.close();

    for (let i = 0; i < all.length; i += 2) {
      const ps = open('reopened.sqlite');
      ps.applyBatch('claims', all.slice(i, i + 2));
      ps.close();
    }
    const reopened = open('reopened.sqlite');
    assert.deepEqual(dumpTables(reopened.db, CLAIMS_TABLES), expected, 'reopened after every batch: each lookup found what earlier runs wrote');
    reopened.close();
  });

  it('tells apart ids that share their first 32 bits, and finds no id it was not given', async () => {
    const prefix = 'feedface';
    const id = (c: string) => prefix + c.repeat(56);
    const { events, ids } = log([
      { payload: '{"a":1}', sig: 1, entryId: id('a') },
      { payload: '{"b":1}', sig: 2, entryId: id('b') },
      { payload: '{"c":1}', sig: 3, entryId: id('c') },
      revoke(id('b'), 4),
    ]);
    const all = await recorded(events);
    const ps = open('prefix.sqlite');
    for (let i = 0; i < all.length; i += 2) ps.applyBatch('claims', all.slice(i, i + 2));
    const reader = new ClaimsReader(ps.db);
    assert.deepEqual([0, 1, 2].map((i) => reader.claim(ids[i]!)?.index), [0, 1, 2]);
    assert.deepEqual([0, 1, 2].map((i) => reader.claim(ids[i]!)?.revoked), [false, true, false], 'only the entry named is revoked');
    assert.equal(reader.claim(id('d')), undefined, 'same first 32 bits, not in the log');
    assert.equal(reader.claim('not-an-id'), undefined);
    ps.close();
  });

  it('keeps nothing of a batch that rolled back: the retry lands once and later batches find its claims', async () => {
    const { events, ids } = log([{ payload: '{"x":1}', sig: 1 }, { payload: '{"x":1}', sig: 2 }, revoke('', 0), { payload: '{"y":1}', sig: 4 }]);
    // entry 2 revokes entry 0 by its id (known once the log is built)
    events[2] = log([revoke(ids[0]!, 3)]).events[0]!.map((e) => (e.type === 'EntryRegistered' ? { ...e, index: 2 } : e.type === 'CheckpointSigned' ? { ...e, treeSize: 3 } : e));
    const all = await recorded(events);
    let fail = true;
    const ps = open('rollback.sqlite', {
      afterRows: () => {
        if (fail) throw new Error('injected: after the rows, before COMMIT');
      },
    });
    assert.throws(() => ps.applyBatch('claims', all.slice(0, 2)), /injected/);
    assert.equal(ps.state('claims').position, undefined, 'nothing committed');
    fail = false;
    ps.applyBatch('claims', all.slice(0, 2));
    ps.applyBatch('claims', all.slice(2));
    const reader = new ClaimsReader(ps.db);
    assert.equal(reader.claim(ids[1]!)?.duplicateOf, ids[0], 'the twin found its first entry, committed by the retry');
    assert.equal(reader.claim(ids[0]!)?.revoked, true);
    assert.equal(reader.claim(ids[1]!)?.revoked, true);
    assert.deepEqual(ps.db.prepare('SELECT first_idx, length(keys) / 8 FROM claim_ids ORDER BY first_idx').raw().all(), [[0, 4]], 'one row of the four claims, none twice');
    ps.close();
  });

  it('keeps 256 claims a row, the same rows however the claims were batched, and finds each claim across the rows', async () => {
    const store = createMemoryEventStore();
    await loadLedger(store, LOG, { entries: 600, batch: 7, issuers: 3, subjects: 20 });
    const one = open('chunks-one.sqlite');
    await catchUp(store, one, 'claims', 5000);
    const rows = one.db.prepare('SELECT first_idx, length(keys) / 8 FROM claim_ids ORDER BY first_idx').raw().all();
    assert.deepEqual(rows, [[0, 256], [256, 256], [512, 88]]);
    const expected = dumpTables(one.db, CLAIMS_TABLES);
    one.close();
    for (const page of [1, 13, 300]) {
      const ps = open(`chunks-${page}.sqlite`);
      await catchUp(store, ps, 'claims', page);
      assert.deepEqual(dumpTables(ps.db, CLAIMS_TABLES), expected, `pages of ${page} events`);
      ps.close();
    }
    const reopened = open('chunks-13.sqlite');
    const other = new Database(join(dir, 'chunks-13.sqlite'), { readonly: true });
    const reader = new ClaimsReader(other);
    for (const idx of [0, 255, 256, 511, 512, 599]) {
      const id = reopened.db.prepare('SELECT entry_id FROM claims WHERE idx = ?').pluck().get(idx) as string;
      assert.equal(reader.claim(id)?.index, idx, `claim ${idx}`);
    }
    other.close();
    reopened.close();
  });

  it("a reader on another connection catches up with the writer's claims; given the log index's lookup, the row's own entry id decides", async () => {
    const { events, ids } = twinsLog();
    const all = await recorded(events);
    const ps = open('reader.sqlite');
    const other = new Database(join(dir, 'reader.sqlite'), { readonly: true });
    const reader = new ClaimsReader(other);
    for (let k = 0; k < ids.length; k++) {
      ps.applyBatch('claims', all.slice(2 * k, 2 * k + 2)); // the entry and its checkpoint
      assert.equal(reader.claim(ids[k]!)?.index, k, `claim ${k} seen by the other connection`);
    }
    const byIndex = new ClaimsReader(other, { indexOf: (entryId) => ids.indexOf(entryId) });
    assert.equal(byIndex.claim(ids[5]!)?.index, 5);
    const wrong = new ClaimsReader(other, { indexOf: () => 5 });
    assert.equal(wrong.claim(ids[4]!), undefined, 'an index whose claim has another entry id finds nothing');
    const none = new ClaimsReader(other, { indexOf: () => undefined });
    assert.equal(none.claim(ids[4]!), undefined);
    other.close();
    ps.close();
  });
});
