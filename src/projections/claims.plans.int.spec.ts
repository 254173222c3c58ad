/**
 * The claims projection's write statements stay indexed: none scans the claims table, and implicit
 * supersession searches only the claims still open (partial index `claims_open`). Without it every
 * claim about a subject scanned each earlier claim of its issuer and kind there — quadratic in the
 * claims about one subject, measured 662 → 2,020 µs per event from 5,000 to 20,000 claims about one
 * subject (`BENCH_SUBJECTS=1 BENCH_ISSUERS=1 npm run bench:processors`), a cost any one publisher
 * could impose on every node's projection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createMemoryEventStore } from '../../libs/event-store/src/index.js';
import { CLAIMS_SQL, claimsProjection } from './claims.projection.js';
import { ClaimsReader } from './claims.reader.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { loadLedger } from './test/ledger-events.fixture.js';

/** EXPLAIN QUERY PLAN of a statement, its parameters bound to placeholders. */
function plan(db: Database.Database, sql: string): string[] {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))];
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (named.length ? stmt.all(Object.fromEntries(named.map((n) => [n, 1]))) : stmt.all(...Array<number>((sql.match(/\?/g) ?? []).length).fill(1))) as { detail: string }[];
  return rows.map((r) => r.detail);
}

describe('claims projection: query plans', () => {
  it('no write statement scans the claims table', () => {
    const db = new Database(':memory:');
    try {
      claimsProjection.open(db);
      for (const [name, sql] of Object.entries(CLAIMS_SQL)) {
        const steps = plan(db, sql);
        assert.ok(!steps.some((s) => /^SCAN claims\b/.test(s)), `${name} scans the claims table: ${steps.join(' | ')}`);
      }
      assert.match(plan(db, CLAIMS_SQL.supersedeImplicit).join(' | '), /USING INDEX claims_open\b/);
    } finally {
      db.close();
    }
  });

  it('a projection file of the same version gains the index at open, and one subject of many claims keeps one open claim', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-claims-plans-'));
    try {
      const path = join(dir, 'projections.sqlite');
      const store = createMemoryEventStore();
      await loadLedger(store, 'plans', { entries: 600, issuers: 1, subjects: 1, revokeEvery: 0 });
      const first = new ProjectionStore({ path, logId: 'plans', projections: [claimsProjection] });
      first.db.exec('DROP INDEX claims_open'); // as a file written before the index existed
      first.close();
      const projections = new ProjectionStore({ path, logId: 'plans', projections: [claimsProjection] });
      try {
        assert.ok(projections.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'claims_open'").get(), 'index created at open');
        assert.deepEqual(projections.rebuilt, [], 'no rebuild: the index is added to the existing tables');
        await catchUp(store, projections, 'claims');
        // one issuer, one subject: per content type (kind) only the latest claim is open
        const open = projections.db.prepare('SELECT kind, COUNT(*) AS n FROM claims WHERE superseded_by IS NULL AND is_revocation = 0 GROUP BY kind').all() as { kind: string; n: number }[];
        assert.ok(open.length >= 2, `several kinds in the fixture: ${JSON.stringify(open)}`);
        for (const o of open) assert.equal(o.n, 1, `kind ${o.kind}: one open claim`);
        assert.equal(new ClaimsReader(projections.db).stats().treeSize, 600);
      } finally {
        projections.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
