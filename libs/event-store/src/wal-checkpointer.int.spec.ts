import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';

/** A WAL database whose writer never checkpoints by itself (as the service configures it, minus the backstop). */
function writer(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)');
  return db;
}

const insert = (db: Database.Database, n: number): void => {
  const st = db.prepare('INSERT INTO t (b) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) st.run(Buffer.alloc(4096, i));
  })();
};

/** frames in the WAL right now (a PASSIVE checkpoint of nothing new reports the log's length) */
const walFrames = (db: Database.Database): number => (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;

async function until(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WAL checkpointer (libs/event-store)', () => {
  it('checkpoints a file another connection writes, so the writer restarts its WAL instead of growing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walcp-'));
    const path = join(dir, 'a.sqlite');
    const db = writer(path);
    let cp: WalCheckpointer | undefined;
    try {
      insert(db, 200);
      const grown = statSync(`${path}-wal`).size;
      assert.ok(grown > 200 * 4096, `the WAL holds the 200 rows (${grown} bytes)`);
      cp = await startWalCheckpointer({ paths: [path], intervalMs: 20 });
      const c = cp;
      // two runs after the writes: at least one saw every frame and no reader in the way
      await until(async () => (await c.stats()).runs[path]! >= 2);
      const st = await c.stats();
      assert.equal(st.walFrames[path], walFrames(db), 'the checkpointer saw the same WAL as the writer');
      insert(db, 1); // the next writer finds the WAL fully checkpointed and starts it from the beginning
      assert.ok(walFrames(db) < 10, `WAL restarted: ${walFrames(db)} frames`);
      assert.equal(statSync(`${path}-wal`).size, grown, 'the WAL file is reused, not grown');
      assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 201);
      await c.close();
      cp = undefined;
      // and the database file itself now holds the rows: a fresh connection reads them with the WAL gone
      db.close();
      const again = new Database(path, { readonly: true });
      assert.equal((again.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 201);
      again.close();
    } finally {
      await cp?.close();
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a file that is missing or not in WAL mode, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walcp-'));
    try {
      await assert.rejects(startWalCheckpointer({ paths: [join(dir, 'missing.sqlite')] }), /couldn't start the WAL checkpointer/);
      const rollback = join(dir, 'rollback.sqlite');
      const db = new Database(rollback);
      db.exec('CREATE TABLE t (x)');
      db.close();
      await assert.rejects(startWalCheckpointer({ paths: [rollback] }), /rollback\.sqlite is not in WAL mode/);
      writeFileSync(join(dir, 'junk.sqlite'), 'not a database at all, just text that is long enough to be read');
      await assert.rejects(startWalCheckpointer({ paths: [join(dir, 'junk.sqlite')] }), /couldn't start the WAL checkpointer/);
      assert.throws(() => startWalCheckpointer({ paths: [rollback], intervalMs: 1 }), /interval/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
