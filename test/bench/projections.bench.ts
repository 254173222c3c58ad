/**
 * Query projections at 10⁵ entries: loads a synthetic log of ENTRIES `EntryRegistered` events
 * (batches of 100 sealed by `CheckpointSigned`, 8 issuers, 1 in 20 a revocation, fake signatures:
 * projections never verify them) straight into a SQLite event store, rebuilds the claims projection
 * from it, then times the auditor queries on the reader (what each query handler runs; HTTP adds
 * its own ≈ 50 µs). Run: `npx tsc -p <your tsconfig> && node dist/test/bench/projections.bench.js`
 * (ENTRIES=… to change the size).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../../libs/event-store/src/index.js';
import { claimsProjection } from '../../src/projections/claims.projection.js';
import { ClaimsReader, type ClaimFilter } from '../../src/projections/claims.reader.js';
import { catchUp } from '../../src/projections/projection.runner.js';
import { ProjectionStore } from '../../src/projections/projection.store.js';
import { loadLedger, prng } from '../../src/projections/test/ledger-events.fixture.js';

const ENTRIES = Number(process.env.ENTRIES ?? 100_000);
const RUNS = 2000;
const LOG = 'bench';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function time(name: string, run: (i: number) => number, rows: number[] = []): void {
  for (let i = 0; i < 50; i++) run(i); // warm up
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    rows.push(run(i));
    t.push((performance.now() - t0) * 1000);
  }
  t.sort((a, b) => a - b);
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  const avgRows = rows.reduce((a, b) => a + b, 0) / rows.length;
  console.log(`| ${name} | ${percentile(t, 50).toFixed(0)} | ${percentile(t, 99).toFixed(0)} | ${mean.toFixed(0)} | ${avgRows.toFixed(0)} |`);
}

const dir = mkdtempSync(join(tmpdir(), 'scitt-projections-bench-'));
try {
  const store = await openSqliteEventStore({ path: join(dir, 'events.sqlite'), worker: false });
  let t0 = performance.now();
  await loadLedger(store, LOG, { entries: ENTRIES, batch: 100, issuers: 8, revokeEvery: 20, subjects: 200 });
  const loadMs = performance.now() - t0;
  const ps = new ProjectionStore({ path: join(dir, 'projections.sqlite'), logId: LOG, projections: [claimsProjection] });
  t0 = performance.now();
  const events = await catchUp(store, ps, 'claims', 1000);
  const rebuildMs = performance.now() - t0;
  const reader = new ClaimsReader(ps.db);
  const stats = reader.stats();
  const size = statSync(join(dir, 'projections.sqlite')).size + (statSync(join(dir, 'projections.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0);
  console.log(`entries ${ENTRIES}: loaded into the event store in ${(loadMs / 1000).toFixed(1)} s; ${events} events projected from scratch in ${(rebuildMs / 1000).toFixed(1)} s (${Math.round(events / (rebuildMs / 1000))} events/s); projections file ${(size / 1e6).toFixed(0)} MB; revoked ${stats.revoked}`);

  // query parameters drawn from the data itself
  const sample = reader.claims({}, { limit: 1000 }).items;
  const rnd = prng(9);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const issuers = Object.keys(stats.issuers);
  const kids = [...new Set(sample.map((c) => c.kid))];
  const subjects = [...new Set(sample.map((c) => c.sub))];
  const repositories = [...new Set(sample.map((c) => c.sub.replace(/^oci:\/\//, '').split('@')[0]!).filter((r) => r.includes('/') && !r.startsWith('pkg:')))];
  const ids = sample.map((c) => c.entryId);
  const q = (f: ClaimFilter, before?: number) => reader.claims(f, { limit: 100, before }).items.length;
  const mid = Math.floor(ENTRIES / 2);
  const day = 86_400_000;
  const start = Date.parse('2025-01-01T00:00:00Z');

  console.log(`\n${RUNS} queries each (µs):\n`);
  console.log('| query (limit 100) | p50 | p99 | mean | rows |');
  console.log('|---|---|---|---|---|');
  time('claims?issuer= (first page)', () => q({ issuer: pick(issuers) }));
  time('claims?issuer= (page at the middle of the log)', () => q({ issuer: pick(issuers) }, mid));
  time('claims?kid=', () => q({ kid: pick(kids) }));
  time('claims?subject= (one collection)', () => q({ subject: pick(subjects) }));
  time('claims?repository=', () => q({ repository: pick(repositories) }));
  time('claims?revoked=true', () => q({ revoked: true }));
  time('claims?issuer=&contentType=&since=&until= (1-day window)', () => {
    const since = start + Math.floor(rnd() * (ENTRIES * 1000 - day));
    return q({ issuer: pick(issuers), contentType: 'application/spdx+json', sinceMs: since, untilMs: since + day });
  });
  time('claims (all, newest first)', () => q({}));
  time('entries/{id}/status (claim by id)', () => (reader.claim(pick(ids)) ? 1 : 0));
  time('log/stats', () => Object.keys(reader.stats().issuers).length);
  ps.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// claim contents (#15): the content projection at 10⁵ components and registrations with SBOM payloads
await (await import('./content-index.bench.js')).runContentBench();
