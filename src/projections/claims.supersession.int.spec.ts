/**
 * Supersession in the claims projection against a model of its rule (claims.projection.ts, docs/revocation.md),
 * on random logs: twins (the same statement, another signature; some under another subject, as a
 * foreign log could hold them), explicit supersession (header -65537), revocations, several subjects,
 * issuers and kinds, applied in random batches with the file reopened midway. The projection walks
 * only the latest claims of a kind (no index of the open claims); the model applies the rule as
 * written — every earlier open claim of the issuer, kind and subject — so the two must agree row
 * for row. Also: a subject with many claims keeps one open claim per kind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { createMemoryEventStore } from '../../libs/event-store/src/index.js';
import { REVOCATION_CONTENT_TYPE, SUPERSEDES_HEADER_LABEL, type LedgerEvent } from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { statementIdOf } from '../../libs/receipt/src/index.js';
import { CLAIMS_SQL, claimsProjection } from './claims.projection.js';
import { ClaimsReader } from './claims.reader.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { appendLedger, loadLedger, prng } from './test/ledger-events.fixture.js';

const LOG = 'supersession';
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scitt-supersession-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface ModelRow {
  idx: number;
  entryId: string;
  sid: string;
  group: string;
  iss: string;
  kind: string;
  isRevocation: boolean;
  duplicateOf: string | null;
  by: string | null;
  at: number | null;
  how: string | null;
}

/** A random log and the supersession state the rule gives each of its entries. */
function randomLog(seed: number, n: number): { events: LedgerEvent[]; model: ModelRow[] } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const digests = ['11', '22', '33'].map((d) => `sha256:${d.repeat(32)}`);
  const kinds = ['application/spdx+json', 'application/vnd.in-toto+json'];
  const events: LedgerEvent[] = [];
  const model: ModelRow[] = [];
  const signed: { protectedBytes: Uint8Array; payload: Uint8Array; sub: string; iss: string; ct: string; supersedes?: string }[] = [];
  for (let index = 0; index < n; index++) {
    const r = rnd();
    let s: (typeof signed)[number];
    let sub: string;
    let iss: string;
    if (r < 0.15 && signed.length > 0) {
      s = pick(signed); // a twin: the same signed content, another signature
      sub = rnd() < 0.2 ? `elsewhere.example/x@${pick(digests)}` : s.sub; // sometimes filed under another subject
      iss = s.iss;
    } else {
      iss = pick(['V', 'W']);
      sub = `registry.example/app@${pick(digests)}`;
      const revocation = r > 0.93 && model.length > 0;
      const ct = revocation ? REVOCATION_CONTENT_TYPE : pick(kinds);
      const h = new Map<number, unknown>([[1, -7], [3, ct]]);
      const supersedes = !revocation && r > 0.8 && model.length > 0 ? pick(model).entryId : undefined;
      if (supersedes) h.set(SUPERSEDES_HEADER_LABEL, supersedes);
      const payload = new TextEncoder().encode(revocation ? JSON.stringify({ revokes: [pick(model).entryId], reason: `r${index}` }) : JSON.stringify({ n: index }));
      s = { protectedBytes: encodeCbor(h), payload, sub, iss, ct, ...(supersedes ? { supersedes } : {}) };
      signed.push(s);
    }
    const entry = encodeSign1({ protectedBytes: s.protectedBytes, unprotectedHeader: new Map(), payload: s.payload, signature: createHash('sha512').update(`sig ${index}`).digest() });
    const entryId = createHash('sha256').update(entry).digest('hex');
    events.push({ type: 'EntryRegistered', index, entryId, leafHash: hashLeaf(entry), entry, iss, sub, contentType: s.ct, kid: iss, registeredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString() });
    events.push({ type: 'CheckpointSigned', treeSize: index + 1, root: new Uint8Array(32), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: '2026-01-01T00:00:00Z' });

    // the rule, as written
    const sid = statementIdOf(entry);
    const twin = model.find((m) => m.sid === sid);
    const row: ModelRow = {
      idx: index, entryId, sid, group: sub.slice(sub.indexOf('@') + 1), iss, kind: s.ct, isRevocation: s.ct === REVOCATION_CONTENT_TYPE,
      duplicateOf: twin?.entryId ?? null, by: twin?.by ?? null, at: twin?.at ?? null, how: twin?.how ?? null,
    };
    model.push(row);
    if (twin || row.isRevocation) continue;
    const supersede = (m: ModelRow, how: string) => {
      m.by = entryId;
      m.at = index;
      m.how = how;
    };
    if (s.supersedes) {
      const target = model.find((m) => m.entryId === s.supersedes)!.sid;
      for (const m of model) if (m.sid === target && m.idx < index && m.by === null && !m.isRevocation) supersede(m, 'explicit');
    }
    for (const m of model) if (m.group === row.group && m.iss === iss && m.kind === row.kind && m.idx < index && m.by === null && !m.isRevocation && m.sid !== sid) supersede(m, 'implicit');
  }
  return { events, model };
}

describe('claims projection: supersession', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`agrees with the rule row for row on a random log of 300 entries (seed ${seed}), batched at random, reopened midway`, async () => {
      const { events, model } = randomLog(seed, 300);
      assert.ok(model.some((m) => m.duplicateOf !== null) && model.some((m) => m.how === 'explicit') && model.some((m) => m.how === 'implicit'), 'the log has twins and both kinds of supersession');
      const store = createMemoryEventStore();
      await appendLedger(store, LOG, [events], -1);
      const all = await store.readAll({ maxCount: 10_000 });
      const path = join(dir, `seed-${seed}.sqlite`);
      const rnd = prng(seed + 100);
      let ps = new ProjectionStore({ path, logId: LOG, projections: [claimsProjection] });
      for (let i = 0; i < all.length; ) {
        const size = 1 + Math.floor(rnd() * 20);
        ps.applyBatch('claims', all.slice(i, i + size));
        i += size;
        if (i >= all.length / 2 && i - size < all.length / 2) {
          ps.close();
          ps = new ProjectionStore({ path, logId: LOG, projections: [claimsProjection] });
        }
      }
      const rows = ps.db.prepare('SELECT idx, duplicate_of, superseded_by, superseded_at_index, superseded_how FROM claims ORDER BY idx').raw().all();
      assert.deepEqual(rows, model.map((m) => [m.idx, m.duplicateOf, m.by, m.at, m.how]));
      ps.close();
    });
  }

  it('walks the latest claims of a kind by index, never scanning the claims table', () => {
    const db = new Database(':memory:');
    try {
      claimsProjection.open(db);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${CLAIMS_SQL.latestOfKind}`).all(1, 1, 1, 1) as { detail: string }[]).map((r) => r.detail).join(' | ');
      assert.match(plan, /^SEARCH claims USING INDEX claims_by_group \(subject_group=\? AND iss=\? AND kind=\? AND idx<\?\)$/);
    } finally {
      db.close();
    }
  });

  it('a subject of many claims keeps one open claim per kind', async () => {
    const store = createMemoryEventStore();
    await loadLedger(store, 'many', { entries: 600, issuers: 1, subjects: 1, revokeEvery: 0 });
    const ps = new ProjectionStore({ path: join(dir, 'many.sqlite'), logId: 'many', projections: [claimsProjection] });
    try {
      await catchUp(store, ps, 'claims');
      const open = ps.db.prepare('SELECT kind, COUNT(*) AS n FROM claims WHERE superseded_by IS NULL AND is_revocation = 0 GROUP BY kind').all() as { kind: string; n: number }[];
      assert.ok(open.length >= 2, `several kinds in the fixture: ${JSON.stringify(open)}`);
      for (const o of open) assert.equal(o.n, 1, `kind ${o.kind}: one open claim`);
      assert.equal(new ClaimsReader(ps.db).stats().treeSize, 600);
    } finally {
      ps.close();
    }
  });
});
