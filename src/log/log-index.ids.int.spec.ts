/**
 * EntryIds over rows that grow (`claim_ids`, log-index.ids.ts `writeChunked`): the rows do not
 * depend on the batching, and another connection's lookups catch up with rows written and extended
 * since — also where the indexes have gaps (not in a ledger's log; a projection must still not loop
 * or miss an id over one).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EntryIds, type IdRow } from './log-index.ids.js';

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Indexes with gaps (every other one up to 1,000), then a run across chunk boundaries. */
const INDEXES = [...Array.from({ length: 500 }, (_, i) => 2 * i), ...Array.from({ length: 700 }, (_, i) => 1000 + i)];
const row = (index: number): IdRow => ({ index, entryId: hex(`entry ${index}`), statementId: hex(`statement ${index}`) });

function open(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS claim_ids (first_idx INTEGER PRIMARY KEY, keys BLOB NOT NULL); CREATE TABLE IF NOT EXISTS t (idx INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, statement_id TEXT NOT NULL)');
  return db;
}

/** Writes `rows` in batches of the sizes `sizes` gives (cycled), each batch in one transaction; `after` runs after each. */
function write(db: Database.Database, rows: readonly IdRow[], sizes: readonly number[], after: (done: number) => void = () => undefined): void {
  const ids = new EntryIds(db, true, 'claim_ids');
  const put = db.prepare('INSERT INTO t (idx, entry_id, statement_id) VALUES (?, ?, ?)');
  for (let i = 0, b = 0; i < rows.length; b++) {
    const batch = rows.slice(i, i + sizes[b % sizes.length]!);
    db.transaction(() => {
      for (const r of batch) put.run(r.index, r.entryId, r.statementId);
      ids.writeChunked(batch);
    })();
    ids.written(batch);
    i += batch.length;
    after(i);
  }
  ids.stop();
}

describe('EntryIds over rows that grow (claim_ids)', () => {
  it('gives the same rows however the entries were batched, gaps included', { timeout: 30_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-entry-ids-'));
    try {
      const rows = INDEXES.map(row);
      const dumps = [[rows.length], [1], [7, 300, 2], [256]].map((sizes, n) => {
        const db = open(join(dir, `rows-${n}.sqlite`));
        write(db, rows, sizes);
        const dump = db.prepare('SELECT first_idx, hex(keys) FROM claim_ids ORDER BY first_idx').raw().all();
        db.close();
        return dump;
      });
      for (const d of dumps.slice(1)) assert.deepEqual(d, dumps[0]);
      const starts = (dumps[0] as [number, string][]).map(([first]) => first);
      assert.ok(starts.includes(1024) && starts.includes(1280) && !starts.includes(1100), `runs split at chunks of 256 only: ${starts.slice(-5).join(', ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("another connection's lookups catch up after every batch, over gaps and grown rows, and find nothing absent", { timeout: 30_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-entry-ids-'));
    try {
      const path = join(dir, 'reader.sqlite');
      const db = open(path);
      const other = new Database(path, { readonly: true });
      const reader = new EntryIds(other, false, 'claim_ids');
      const byIndex = other.prepare('SELECT idx, entry_id, statement_id FROM t WHERE idx = ?');
      const rows = INDEXES.map(row);
      write(db, rows, [3, 40, 1], (done) => {
        const last = rows[done - 1]!;
        assert.equal(reader.findEntry<{ idx: number; entry_id: string }>(last.entryId, byIndex)?.idx, last.index, `entry ${last.index} after ${done}`);
        assert.equal(reader.findStatement<{ idx: number; statement_id: string }>(last.statementId, byIndex)?.idx, last.index);
      });
      for (const r of rows) assert.equal(reader.findEntry<{ idx: number; entry_id: string }>(r.entryId, byIndex)?.idx, r.index, `entry ${r.index}`);
      assert.equal(reader.findEntry(hex('entry 1'), byIndex), undefined, 'index 1 is a gap');
      assert.equal(reader.findStatement(hex('absent'), byIndex), undefined);
      other.close();
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a lazy entry-id table is built at the first entry lookup: from the rows and the writer\'s own writes, then kept', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-entry-ids-'));
    try {
      const path = join(dir, 'lazy.sqlite');
      const rows = INDEXES.map(row);
      const db = open(path);
      const before = rows.slice(0, 800);
      write(db, before, [5, 64]);
      const byIndex = db.prepare('SELECT idx, entry_id, statement_id FROM t WHERE idx = ?');
      for (const midLoad of [true, false]) {
        const ids = new EntryIds(db, true, 'claim_ids', true);
        if (!midLoad) await ids.loaded;
        const eager = new EntryIds(db, false, 'claim_ids');
        const statementsOnly = ids.bytes;
        // the writer's own batches after open reach the statement table only
        const after = rows.slice(800, 1000);
        const put = db.prepare('INSERT INTO t (idx, entry_id, statement_id) VALUES (?, ?, ?)');
        db.transaction(() => {
          for (const r of after) put.run(r.index, r.entryId, r.statementId);
          ids.writeChunked(after);
        })();
        ids.written(after);
        assert.equal(ids.findStatement<{ idx: number; statement_id: string }>(after[0]!.statementId, byIndex)?.idx, after[0]!.index);
        assert.equal(ids.bytes, statementsOnly, 'no entry-id table before an entry lookup');
        for (const r of [...before, ...after]) assert.equal(ids.findEntry<{ idx: number; entry_id: string }>(r.entryId, byIndex)?.idx, r.index, `entry ${r.index} (mid-load: ${midLoad})`);
        assert.ok(ids.bytes > statementsOnly, 'the entry-id table is built');
        assert.equal(ids.findEntry(hex('entry 1'), byIndex), undefined, 'index 1 is a gap');
        assert.equal(ids.findEntry(before[3]!.statementId, byIndex), undefined, 'a statement id is not an entry id');
        // later writes reach both tables
        const later = rows.slice(1000, 1100);
        db.transaction(() => {
          for (const r of later) put.run(r.index, r.entryId, r.statementId);
          ids.writeChunked(later);
        })();
        ids.written(later);
        for (const r of later) assert.equal(ids.findEntry<{ idx: number; entry_id: string }>(r.entryId, byIndex)?.idx, r.index, `entry ${r.index} written after the table was built`);
        // the same rows as a reader building its tables from the file alone
        for (const r of rows.slice(0, 1100)) assert.equal(eager.findEntry<{ idx: number; entry_id: string }>(r.entryId, byIndex)?.idx, r.index);
        ids.stop();
        // back to the first 800 for the second round
        db.prepare('DELETE FROM t WHERE idx >= ?').run(after[0]!.index);
        db.exec('DELETE FROM claim_ids');
        db.transaction(() => new EntryIds(db, true, 'claim_ids').writeChunked(before))();
      }
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
