/**
 * The claims projection's write statements stay indexed: none scans the claims table. Implicit
 * supersession reads only the latest claims of the issuer and kind about the subject (a walk by
 * `claims_by_group`, claims.supersession.int.spec.ts); scanning each earlier claim there was
 * quadratic in the claims about one subject, measured 662 → 2,020 µs per event from 5,000 to 20,000
 * claims about one subject (`BENCH_SUBJECTS=1 BENCH_ISSUERS=1 npm run bench:processors`), a cost any
 * one publisher could impose on every node's projection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { CLAIMS_SQL, claimsProjection } from './claims.projection.js';

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
      assert.match(plan(db, CLAIMS_SQL.latestOfKind).join(' | '), /USING INDEX claims_by_group\b/);
    } finally {
      db.close();
    }
  });
});
