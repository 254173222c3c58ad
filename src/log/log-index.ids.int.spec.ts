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
});
