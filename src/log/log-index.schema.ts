/**
 * The log index's tables (log-index.store.ts) and the conversions of files written by earlier
 * versions, run once at open. The index is derived from the event stream: what can't be converted
 * is dropped and replayed.
 */
import type { Database as Db } from 'better-sqlite3';
import { fillIdKeys } from './log-index.ids.js';
import { fillTiles } from './log-index.tiles.js';
import { nodePosition } from './node-position.js';

/** The entries by log index; their ids are found through `id_keys` (log-index.ids.ts), no SQLite index. */
const ENTRIES = `(
    idx INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, iss TEXT NOT NULL, sub TEXT NOT NULL,
    content_type TEXT NOT NULL, kid TEXT NOT NULL, registered_at TEXT NOT NULL, receipt_size INTEGER NOT NULL,
    entry BLOB NOT NULL, statement_id TEXT NOT NULL)`;
const ENTRY_COLUMNS = 'idx, entry_id, iss, sub, content_type, kid, registered_at, receipt_size, entry, statement_id';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS tree_nodes (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS entries ${ENTRIES};
  CREATE TABLE IF NOT EXISTS id_keys (first_idx INTEGER PRIMARY KEY, keys BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS checkpoints (tree_size INTEGER PRIMARY KEY, root BLOB NOT NULL, protected BLOB NOT NULL, signature BLOB NOT NULL, signed_at TEXT NOT NULL);
`;

/** Levels 0–3 and entry ids (log-index.tiles.ts): created with their contents when a file is converted (one transaction). */
const TILES = 'CREATE TABLE IF NOT EXISTS tiles (t INTEGER PRIMARY KEY, nodes BLOB NOT NULL, ids BLOB NOT NULL)';

/** Creates the tables a new file needs and converts an older file's. */
export function prepareLogIndexSchema(db: Db): void {
  const has = (table: string): boolean => db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table) !== undefined;
  // a file with tree nodes but no tiles: its levels 0–3 move into tiles (below)
  const untiled = !has('tiles') && (has('tree_nodes') || has('nodes'));
  db.exec(SCHEMA);
  const columns = db.prepare('PRAGMA table_info(entries)').all() as { name: string }[];
  // a version without statement ids: rebuilt from the event store (startup replays the stream into it)
  if (!columns.some((c) => c.name === 'statement_id')) {
    db.exec('DROP TABLE entries; DROP TABLE IF EXISTS nodes; DROP TABLE tree_nodes; DROP TABLE IF EXISTS tiles; DROP TABLE id_keys; DROP TABLE checkpoints; DELETE FROM meta;');
    db.exec(SCHEMA);
    db.exec(TILES);
    return;
  }
  // stored receipts (before receipts were built on read): the column goes, the rest stays valid
  if (columns.some((c) => c.name === 'receipt')) db.exec('ALTER TABLE entries DROP COLUMN receipt');
  // tree nodes keyed by (level, index), before post-order positions (tree-node.cache.ts): moved over, in key order
  if (has('nodes')) {
    db.function('scitt_node_position', { deterministic: true }, (level, index) => nodePosition(Number(level), Number(index)));
    db.transaction(() => db.exec('INSERT OR REPLACE INTO tree_nodes (pos, hash) SELECT scitt_node_position(level, idx), hash FROM nodes ORDER BY 1; DROP TABLE nodes;'))();
  }
  // entries whose ids SQLite indexed (UNIQUE entry_id, entries_by_statement), before id_keys: the
  // table is copied without the indexes (a UNIQUE constraint can't be dropped) and id_keys filled
  if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entries'").get()) {
    db.transaction(() => {
      db.exec(`CREATE TABLE entries_unindexed ${ENTRIES};
        INSERT INTO entries_unindexed (${ENTRY_COLUMNS}) SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY idx;
        DROP TABLE entries;
        ALTER TABLE entries_unindexed RENAME TO entries;`);
      fillIdKeys(db);
    })();
  }
  // tree nodes of levels 0–3 by position, before tiles (log-index.tiles.ts): moved into tiles with
  // their entries' ids, the table created in the same transaction (an interrupted conversion runs again)
  if (untiled) {
    db.transaction(() => {
      db.exec(TILES);
      fillTiles(db);
    })();
  } else db.exec(TILES);
}
