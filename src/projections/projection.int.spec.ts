/**
 * The projection contract on a real SQLite file: rows and position in one transaction (a failure
 * injected after the rows and before COMMIT leaves nothing, and the retry lands exactly once),
 * re-delivery is harmless, a version bump rebuilds, a rebuild from scratch equals the live result
 * under concurrent appends, and the claims rules (supersession, revocation, counts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { createMemoryEventStore, runProcessor, type EventStore } from '../../libs/event-store/src/index.js';
import { REVOCATION_CONTENT_TYPE, type LedgerEvent } from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { CLAIMS_TABLES, claimsProjection } from './claims.projection.js';
import { ClaimsReader } from './claims.reader.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore, type ProjectionStoreOptions } from './projection.store.js';
import { appendLedger, dumpTables, ledgerBatches, loadLedger } from './test/ledger-events.fixture.js';

const LOG = 'proj-test';
let dir: string;
let n = 0;
const file = (): string => join(dir, `p${n++}.sqlite`);
const open = (o: Partial<ProjectionStoreOptions> = {}): ProjectionStore => new ProjectionStore({ path: file(), logId: LOG, projections: [claimsProjection], ...o });
const dump = (ps: ProjectionStore): Record<string, unknown[]> => dumpTables(ps.db, CLAIMS_TABLES);

async function rebuilt(store: EventStore): Promise<Record<string, unknown[]>> {
  const ps = open();
  try {
    await catchUp(store, ps, 'claims', 257);
    return dump(ps);
  } finally {
    ps.close();
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scitt-projections-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A hand-written log: entries with explicit iss/sub/content type (payloads for revocations). */
function log(rows: { iss: string; sub: string; ct?: string; revokes?: string[]; reason?: string }[]): { events: LedgerEvent[]; ids: string[] } {
  const ids: string[] = [];
  const events: LedgerEvent[] = [];
  rows.forEach((r, index) => {
    const ct = r.revokes ? REVOCATION_CONTENT_TYPE : (r.ct ?? 'application/json');
    const payload = new TextEncoder().encode(r.revokes ? JSON.stringify({ revokes: r.revokes, reason: r.reason ?? 'why' }) : `{"i":${index}}`);
    const entry = encodeSign1({ protectedBytes: encodeCbor(new Map<number, unknown>([[1, -7], [3, ct]])), unprotectedHeader: new Map(), payload, signature: new Uint8Array(64).fill(index) });
    const entryId = createHash('sha256').update(entry).digest('hex');
    ids.push(entryId);
    events.push({ type: 'EntryRegistered', index, entryId, leafHash: hashLeaf(entry), entry, iss: r.iss, sub: r.sub, contentType: ct, kid: 'aa', registeredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString() });
    events.push({ type: 'CheckpointSigned', treeSize: index + 1, root: new Uint8Array(32), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: '2025-01-01T00:00:00Z' });
  });
  return { events, ids };
}

describe('claims projection rules', () => {
  it('supersession per issuer and normalised subject, revocation from its index on (first wins), counts', async () => {
    const S = `registry.example/app@sha256:${'ab'.repeat(32)}`;
    const { events, ids } = log([
      { iss: 'A', sub: S }, // 0
      { iss: 'B', sub: S }, // 1 other issuer: no supersession
      { iss: 'A', sub: `oci://REGISTRY.example/app@sha256:${'ab'.repeat(32)}` }, // 2 supersedes 0
      { iss: 'A', sub: 'pkg:npm/x@1', ct: 'text/plain' }, // 3
      { iss: 'A', sub: S, revokes: [], reason: 'malformed: empty' }, // 4 malformed revocation: revokes and supersedes nothing
    ]);
    const store = createMemoryEventStore();
    const r1 = log([{ iss: 'A', sub: S, revokes: [ids[2]!], reason: 'first' }]).events;
    const r2 = log([{ iss: 'A', sub: S, revokes: [ids[2]!, ids[3]!], reason: 'second' }]).events;
    const renumber = (evs: LedgerEvent[], index: number): LedgerEvent[] =>
      evs.map((e) => (e.type === 'EntryRegistered' ? { ...e, index } : e.type === 'CheckpointSigned' ? { ...e, treeSize: index + 1 } : e));
    await appendLedger(store, LOG, [events, renumber(r1, 5), renumber(r2, 6)], -1);
    const ps = open();
    await catchUp(store, ps, 'claims');
    const reader = new ClaimsReader(ps.db);
    const c = (i: number) => reader.claim(ids[i]!)!;
    assert.equal(c(0).supersededBy, ids[2]);
    assert.equal(c(1).supersededBy, undefined);
    assert.equal(c(2).supersededBy, undefined);
    assert.equal(c(4).revoked, false);
    const rid1 = (r1[0] as { entryId: string }).entryId;
    const rid2 = (r2[0] as { entryId: string }).entryId;
    assert.deepEqual(c(2).revocation, { byEntryId: rid1, atIndex: 5, reason: 'first' });
    assert.deepEqual(c(3).revocation, { byEntryId: rid2, atIndex: 6, reason: 'second' });
    assert.equal(reader.claim(rid1)!.supersededBy, undefined, 'revocations neither supersede nor are superseded');
    const bySubject = reader.claims({ subject: `oci://registry.example/app@sha256:${'ab'.repeat(32)}` }, { limit: 100 }).items.map((x) => x.index);
    assert.deepEqual(bySubject, [6, 5, 4, 2, 1, 0]);
    assert.deepEqual(reader.claims({ revoked: true }, { limit: 100 }).items.map((x) => x.index), [3, 2]);
    assert.deepEqual(reader.claims({ repository: 'registry.example/app', issuer: 'B' }, { limit: 100 }).items.map((x) => x.index), [1]);
    const stats = reader.stats();
    assert.deepEqual(stats, {
      treeSize: 7,
      checkpoint: { treeSize: 7, signedAt: '2025-01-01T00:00:00Z' },
      issuers: { A: 6, B: 1 },
      contentTypes: { 'application/json': 3, [REVOCATION_CONTENT_TYPE]: 3, 'text/plain': 1 },
      revoked: 2,
    });
    ps.close();
  });

  it('pages newest first with `before`, each row once', async () => {
    const store = createMemoryEventStore();
    await loadLedger(store, LOG, { entries: 503, batch: 17 });
    const ps = open();
    await catchUp(store, ps, 'claims', 100);
    const reader = new ClaimsReader(ps.db);
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = reader.claims({}, { before, limit: 50 });
      seen.push(...page.items.map((c) => c.index));
      if (!page.more) break;
      before = page.items.at(-1)!.index;
    }
    assert.deepEqual(seen, Array.from({ length: 503 }, (_, i) => 502 - i));
    ps.close();
  });
});

describe('projection contract (exactly-once effect)', () => {
  it('re-delivered and overlapping batches change nothing', async () => {
    const store = createMemoryEventStore();
    await loadLedger(store, LOG, { entries: 400, batch: 13 });
    const all = await store.readAll({ maxCount: 10_000 });
    const ps = open();
    assert.equal(ps.applyBatch('claims', all.slice(0, 200)), 200);
    const mid = dump(ps);
    assert.equal(ps.applyBatch('claims', all.slice(0, 200)), 0);
    assert.equal(ps.applyBatch('claims', all.slice(50, 120)), 0);
    assert.deepEqual(dump(ps), mid);
    assert.equal(ps.applyBatch('claims', all.slice(150, 300)), 100); // overlap: only the 100 new ones
    ps.applyBatch('claims', all.slice(300));
    assert.deepEqual(dump(ps), await rebuilt(store));
    assert.equal(ps.state('claims').events, all.length);
    ps.close();
  });

  it('a failure after the rows are written and before COMMIT leaves nothing; the retry lands once', async () => {
    const store = createMemoryEventStore();
    await loadLedger(store, LOG, { entries: 1000, batch: 50 });
    let calls = 0;
    let failures = 0;
    let sizeSeenAtFailure = -1;
    const ps = open({
      afterRows: (_name, events) => {
        // rows of this batch are written (inside the transaction) …
        if (events.length > 0 && ++calls % 3 === 0 && failures < 12) {
          failures++;
          sizeSeenAtFailure = new ClaimsReader(ps.db).size();
          throw new Error('injected failure before COMMIT');
        }
      },
    });
    const reader = new ClaimsReader(ps.db);
    const committed: number[] = [];
    ps.onApplied(() => committed.push(reader.size()));
    const head = await store.headPosition();
    const p = runProcessor({
      store,
      checkpoints: ps.checkpointStore(),
      name: ps.processorName('claims'),
      batchSize: 37,
      lingerMs: 1,
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
      handle: async (events) => void ps.applyBatch('claims', events),
    });
    while ((ps.state('claims').position ?? 0n) < head) await new Promise((r) => setTimeout(r, 5));
    await p.stop();
    assert.equal(failures, 12);
    assert.ok(sizeSeenAtFailure > 0);
    // … but never visible after the rollback: the size only ever grows batch by batch
    assert.deepEqual(committed, [...committed].sort((a, b) => a - b));
    assert.deepEqual(dump(ps), await rebuilt(store));
    assert.equal(new ClaimsReader(ps.db).stats().treeSize, 1000);
    assert.equal(Object.values(new ClaimsReader(ps.db).stats().issuers).reduce((a, b) => a + b, 0), 1000, 'no doubled counts');
    ps.close();
  });

  it('a version bump drops and rebuilds the projection from the first event', async () => {
    const store = createMemoryEventStore();
    await loadLedger(store, LOG, { entries: 300 });
    const path = file();
    const v1 = new ProjectionStore({ path, logId: LOG, projections: [claimsProjection] });
    await catchUp(store, v1, 'claims');
    const before = dump(v1);
    v1.close();
    const same = new ProjectionStore({ path, logId: LOG, projections: [claimsProjection] });
    assert.deepEqual(same.rebuilt, []);
    assert.notEqual(same.state('claims').position, undefined);
    same.close();
    const bumped = claimsProjection.version + 1;
    const v2 = new ProjectionStore({ path, logId: LOG, projections: [{ ...claimsProjection, version: bumped }] });
    assert.deepEqual(v2.rebuilt, ['claims']);
    assert.equal(v2.state('claims').position, undefined);
    assert.equal(v2.state('claims').version, bumped);
    assert.equal(new ClaimsReader(v2.db).size(), 0);
    assert.equal(v2.processorName('claims'), `projection:claims:v${bumped}`);
    await catchUp(store, v2, 'claims');
    assert.deepEqual(dump(v2), before);
    v2.close();
  });

  it('rebuild from scratch equals the live projection fed while appends continue', async () => {
    const store = createMemoryEventStore();
    const batches = [...ledgerBatches({ entries: 3000, batch: 23, seed: 7 })];
    const ps = open();
    const p = runProcessor({
      store,
      checkpoints: ps.checkpointStore(),
      name: ps.processorName('claims'),
      batchSize: 64,
      lingerMs: 1,
      handle: async (events) => void ps.applyBatch('claims', events),
    });
    let rev = -1;
    for (let i = 0; i < batches.length; i += 10) {
      rev = await appendLedger(store, LOG, batches.slice(i, i + 10), rev);
      await new Promise((r) => setImmediate(r));
    }
    const head = await store.headPosition();
    while ((ps.state('claims').position ?? 0n) < head) await new Promise((r) => setTimeout(r, 5));
    await p.stop();
    const live = dump(ps);
    assert.equal((live.claims as unknown[]).length, 3000);
    assert.deepEqual(live, await rebuilt(store));
    ps.reset('claims');
    assert.equal(new ClaimsReader(ps.db).size(), 0);
    await catchUp(store, ps, 'claims');
    assert.deepEqual(dump(ps), live);
    ps.close();
  });

  it('one writer per file: a second open fails with ERR_PROJECTION_LOCKED', () => {
    const path = file();
    const a = new ProjectionStore({ path, logId: LOG, projections: [claimsProjection] });
    try {
      assert.throws(() => new ProjectionStore({ path, logId: LOG, projections: [claimsProjection] }), { code: 'ERR_PROJECTION_LOCKED' });
    } finally {
      a.close();
    }
    new ProjectionStore({ path, logId: LOG, projections: [claimsProjection] }).close();
  });
});
