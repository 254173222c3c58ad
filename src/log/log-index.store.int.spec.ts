/**
 * LogIndexStore's in-memory answers against a real file: the writer keeps its latest checkpoint in
 * memory, and another instance on the same file (as the processors' thread opens it) still sees
 * every new checkpoint; proofs read their nodes in one statement and say which node is missing;
 * the upper levels in memory; entries by id; the writer's shared read transactions; files from
 * earlier layouts. Tiles have their own file (log-index.tiles.int.spec.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompactRange, hashLeaf, inclusionNodes, inclusionProof, verifyInclusion } from '../../libs/merkle/src/index.js';
import Database from 'better-sqlite3';
import { LogIndexStore } from './log-index.store.js';
import { batchOf, checkpointAt, hex, inTempDir, treeOf, writeTreeFile } from './test/log-index.fixture.js';
import { TreeNodeCache } from './tree-node.cache.js';
import { TILE_LEVELS } from './log-index.tiles.js';

describe('LogIndexStore', () => {
  it('keeps the latest checkpoint in the writer, and a second instance on the file sees every new one', () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const writer = new LogIndexStore(path, { keepLatest: true });
      const reader = new LogIndexStore(path);
      assert.equal(writer.checkpoint(), undefined);
      assert.equal(reader.checkpoint(), undefined);
      const range = new CompactRange();
      for (let size = 1; size <= 3; size++) {
        range.append(hashLeaf(new Uint8Array([size])));
        writer.writeBatch({ entries: [], nodes: [], checkpoint: checkpointAt(range), range, appliedEvents: size * 2 });
        assert.equal(writer.checkpoint()?.treeSize, size);
        assert.equal(reader.checkpoint()?.treeSize, size, 'a reader instance reads the latest checkpoint each time');
        assert.deepEqual(reader.checkpoint(size)?.root, range.root());
      }
      writer.close();
      reader.close();
    });
  });

  it('serves inclusion proofs from its nodes (levels read together), and names a node it lacks', async () => {
    return inTempDir(async (dir) => {
      const index = new LogIndexStore(join(dir, 'log-index.sqlite'), { keepLatest: true });
      const n = 37;
      const { leaves, nodes, range } = treeOf(n);
      index.writeBatch(batchOf(range, nodes));
      for (const at of [0, 1, 16, 31, 32, 36]) {
        for (const size of [at + 1, 33, n]) {
          if (at >= size) continue;
          const proof = await inclusionProof(index, at, size);
          const root = size === n ? range.root() : (() => {
            const r = new CompactRange();
            leaves.slice(0, size).forEach((l) => r.append(l));
            return r.root();
          })();
          verifyInclusion(leaves[at]!, at, size, proof, root); // throws when it does not verify
          assert.deepEqual(index.leafHash(at), leaves[at]);
        }
      }
      const missing = new LogIndexStore(join(dir, 'other.sqlite'));
      await assert.rejects(missing.getNodes([{ level: 0, index: 1 }, { level: 2, index: 0 }]), /tree node \(0, 1\): not stored/);
      missing.close();
      index.close();
    });
  });

  it("reads a proof's nodes, its leaf hash and the entry id at its index in one statement, as getNodes, leafHash and entryIdAt answer", async () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const index = new LogIndexStore(path, { keepLatest: true });
      const n = 37;
      const { leaves, nodes, range } = treeOf(n);
      const entries = leaves.map((_, i) => ({
        index: i, entryId: hex(`entry ${i}`), statementId: hex(`statement ${i}`), iss: 'https://issuer.test', sub: 'registry.test/app', contentType: 'application/json',
        kid: 'k1', registeredAt: new Date(0).toISOString(), receiptTreeSize: n, entry: new TextEncoder().encode(`leaf ${i}`),
      }));
      index.writeBatch(batchOf(range, nodes, entries));
      for (const at of [0, 5, 16, 31, 36]) {
        for (const size of [at + 1, 33, n]) {
          if (at >= size) continue;
          const { ids } = inclusionNodes(at, size);
          for (const withEntryId of [true, false]) {
            const r = index.proofNodes(ids, at, withEntryId);
            assert.deepEqual(r.hashes, await index.getNodes(ids), `path of ${at} at ${size}`);
            assert.deepEqual(r.leafHash, leaves[at]);
            assert.equal(r.entryId, withEntryId ? index.entryIdAt(at) : undefined);
            assert.equal(r.entryId, withEntryId ? entries[at]!.entryId : undefined);
          }
        }
      }
      const beyond = index.proofNodes([], n + 3, true);
      assert.equal(beyond.entryId, undefined, 'no entry beyond the log');
      assert.equal(beyond.leafHash, undefined, 'no leaf beyond the log');
      assert.throws(() => index.proofNodes([{ level: 1, index: 2 }, { level: 0, index: n + 5 }], 0, true), /tree node \(0, 42\): not stored/);
      // more nodes than one statement reads arm by arm (then `pos IN (…)`), with repeats, uncached: the same answers
      const many = [...nodes.slice(0, 70), ...nodes.slice(0, 3)];
      const fresh = new LogIndexStore(path);
      const r = fresh.proofNodes(many.map(({ level, index: i }) => ({ level, index: i })), 7, true);
      assert.deepEqual(r.hashes, many.map((x) => x.hash));
      assert.deepEqual([r.leafHash, r.entryId], [leaves[7], entries[7]!.entryId]);
      fresh.close();
      index.close();
    });
  });

  it('the writer reads the stored upper nodes into memory after open: proofs then read none of them from SQLite', async () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const n = 3000;
      const { leaves, nodes, range } = writeTreeFile(path, n);
      const writer = new LogIndexStore(path, { keepLatest: true });
      await writer.nodesWarmed;
      // with the upper nodes gone from the file, every proof's upper path still comes (from memory)
      const db = new Database(path);
      assert.equal(db.prepare('DELETE FROM tree_nodes').run().changes, nodes.filter((x) => x.level >= TILE_LEVELS).length);
      db.close();
      for (const at of [0, 17, 1024, 2047, 2999]) verifyInclusion(leaves[at]!, at, n, await inclusionProof(writer, at, n), range.root());
      writer.close();
    });
  });

  it('keeps the levels from 4 up in memory, 32 bytes a node, and answers the same from memory as from SQLite', () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const n = 3000;
      const { nodes } = writeTreeFile(path, n);
      const db = new Database(path, { readonly: true });
      const cache = new TreeNodeCache(db);
      const upper = nodes.filter((x) => x.level >= 4);
      for (const pass of ['from SQLite', 'from memory']) {
        for (const x of nodes) assert.deepEqual(cache.lookup(x.level, x.index), x.hash, `(${x.level}, ${x.index}) ${pass}`);
        assert.deepEqual(cache.lookupMany(nodes.slice(0, 40)), nodes.slice(0, 40).map((x) => x.hash), `many ${pass}`);
      }
      assert.equal(cache.lookup(4, n), undefined, 'a node beyond the tree');
      // a budget smaller than the levels: the lowest cached levels are given up, the answers stay
      const small = new TreeNodeCache(db, 3 * 33 * 1024);
      for (let pass = 0; pass < 2; pass++) for (const x of upper) assert.deepEqual(small.lookup(x.level, x.index), x.hash);
      assert.ok(small.memoryBytes <= 3 * 33 * 1024, `${small.memoryBytes} bytes within a budget of ${3 * 33 * 1024}`);
      // each level's buffer rounds up to a power of two (at least 1,024 nodes) plus its bitmap
      assert.ok(cache.memoryBytes <= 33 * 1024 * new Set(upper.map((x) => x.level)).size, `${cache.memoryBytes} bytes for ${upper.length} cached nodes`);
      db.close();
    });
  });

  it('moves the nodes of an index written by (level, index) over to positions, and still serves every proof', async () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const n = 45;
      const { leaves, nodes, range } = writeTreeFile(path, n, { nodes: false });
      // the layout before positions: a WITHOUT ROWID table keyed by (level, idx)
      const old = new Database(path);
      old.exec('DROP TABLE tree_nodes; DROP TABLE tiles; CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID');
      const put = old.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)');
      for (const node of nodes) put.run(node.level, node.index, node.hash);
      old.close();
      const index = new LogIndexStore(path, { keepLatest: true });
      for (let at = 0; at < n; at++) verifyInclusion(leaves[at]!, at, n, await inclusionProof(index, at, n), range.root());
      index.close();
      const after = new Database(path, { readonly: true });
      assert.equal(after.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'nodes'").pluck().get(), 0, 'the old table is gone');
      assert.equal(after.prepare('SELECT count(*) FROM tree_nodes').pluck().get(), nodes.filter((x) => x.level >= TILE_LEVELS).length, 'levels from 4 up by position');
      assert.equal(after.prepare('SELECT count(*) FROM tiles').pluck().get(), Math.ceil(n / 16), 'levels 0–3 in tiles');
      after.close();
    });
  });

  const entryAt = (i: number, ids: { entryId?: string; statementId?: string } = {}) => ({
    index: i, entryId: ids.entryId ?? hex(`entry ${i}`), statementId: ids.statementId ?? hex(`statement ${i}`), iss: 'https://ci.example', sub: 'sub',
    contentType: 'text/plain', kid: 'k', registeredAt: new Date(0).toISOString(), receiptTreeSize: i + 1, entry: new Uint8Array([i]),
  });
  /** Writes `entries` as one batch (tree nodes left out: these tests look entries up). */
  const writeEntries = (index: LogIndexStore, range: CompactRange, entries: ReturnType<typeof entryAt>[], applied: number): void => {
    for (const e of entries) range.append(hashLeaf(new Uint8Array([e.index & 255, e.index >> 8])));
    index.writeBatch({ entries, nodes: [], checkpoint: checkpointAt(range), range, appliedEvents: applied });
  };
  const span = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => entryAt(from + k));

  it('finds every entry and statement by id, old or new, in the writer and in another instance (no SQLite index on the ids)', async () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const range = new CompactRange();
      const first = new LogIndexStore(path, { keepLatest: true });
      writeEntries(first, range, span(0, 30), 31);
      first.close();
      const writer = new LogIndexStore(path, { keepLatest: true });
      const reader = new LogIndexStore(path);
      assert.equal(writer.entryByIdOrStatement(entryAt(3).entryId, hex('new'))?.index, 3, 'found while the locators load');
      await writer.idsLoaded;
      assert.equal(reader.entryById(entryAt(7).entryId)?.index, 7, 'a reader instance locates on its first lookup');
      writeEntries(writer, range, span(30, 40), 41);
      for (const i of [0, 17, 29, 30, 39]) {
        assert.equal(writer.entryByIdOrStatement(entryAt(i).entryId, hex('new'))?.index, i, `entry ${i} by its id`);
        assert.equal(writer.entryByIdOrStatement(hex('new'), entryAt(i).statementId)?.index, i, `entry ${i} by its statement`);
        assert.equal(writer.indexOf(entryAt(i).entryId), i);
        assert.deepEqual(writer.entryBytes(entryAt(i).entryId), new Uint8Array([i]));
      }
      assert.equal(writer.entryByIdOrStatement(hex('new'), hex('new statement')), undefined);
      assert.deepEqual([...writer.knownStatements([hex('a'), entryAt(5).statementId, entryAt(35).statementId, hex('b')])].sort(), [entryAt(5).statementId, entryAt(35).statementId].sort());
      assert.deepEqual(writer.knownStatements([hex('a'), hex('b')]), new Set());
      assert.equal(reader.entryByIdOrStatement(entryAt(35).entryId, hex('new'))?.index, 35, 'the reader catches up with what was written since');
      assert.equal(reader.entryByStatement(entryAt(38).statementId)?.index, 38);
      assert.deepEqual(reader.entryBytesAt(12, entryAt(12).entryId), new Uint8Array([12]), 'by index, with the id compared');
      assert.equal(reader.entryBytesAt(12, entryAt(13).entryId), undefined, 'by index, another id: nothing');
      for (const bad of ['', 'x', entryAt(3).entryId.toUpperCase(), `${entryAt(3).entryId}0`, entryAt(3).entryId.slice(0, 63)]) {
        assert.equal(writer.entryById(bad), undefined, `not an id the log holds: ${JSON.stringify(bad)}`);
      }
      writer.close();
      reader.close();
    });
  });

  it("the writer's hot reads in one turn of the event loop share a read transaction, ended after the turn; a write in the turn ends it first and is committed at once", async () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const range = new CompactRange();
      const writer = new LogIndexStore(path, { keepLatest: true });
      writeEntries(writer, range, span(0, 10), 11);
      await new Promise((resolve) => setImmediate(resolve));
      // another connection changes a meta row: the writer's reads show which snapshot they are in
      const other = new Database(path);
      const probe = (value: string): void => void other.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('probe', ?)").run(value);
      assert.equal(writer.indexOf(entryAt(1).entryId), 1);
      probe('1');
      assert.equal(writer.getMeta('probe'), '1', 'a lone read holds no transaction');
      assert.equal(writer.indexOf(entryAt(2).entryId), 2);
      probe('2');
      assert.equal(writer.getMeta('probe'), '1', 'the second hot read in the turn opened a read transaction: its snapshot');
      writeEntries(writer, range, span(10, 12), 13);
      assert.equal(other.prepare('SELECT count(*) FROM entries').pluck().get(), 12, 'the write is committed in the same turn');
      assert.equal(writer.getMeta('probe'), '2', 'the write ended the read transaction');
      assert.equal(writer.indexOf(entryAt(11).entryId), 11, 'a read after the write sees it');
      probe('3');
      assert.equal(writer.getMeta('probe'), '2', 'the next hot read opened another');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(writer.getMeta('probe'), '3', 'ended after the turn');
      // an instance that does not write (the processors' thread's) never holds one: the writer's batches show at once
      const reader = new LogIndexStore(path);
      assert.equal(reader.indexOf(entryAt(4).entryId), 4);
      assert.equal(reader.indexOf(entryAt(5).entryId), 5);
      writeEntries(writer, range, span(12, 13), 14);
      assert.equal(reader.indexOf(entryAt(12).entryId), 12);
      reader.close();
      other.close();
      writer.close();
    });
  });

  it("ids that share their first 32 bits are told apart by the whole id; a statement's first entry wins", () => {
    return inTempDir(async (dir) => {
      const index = new LogIndexStore(join(dir, 'log-index.sqlite'), { keepLatest: true });
      const twinOf = (id: string, last: string): string => `${id.slice(0, 8)}${last.repeat(56)}`;
      const base = hex('shared prefix');
      const statement = hex('one statement, two encodings');
      const entries = [
        entryAt(0, { entryId: twinOf(base, 'a'), statementId: twinOf(statement, '1') }),
        entryAt(1, { entryId: twinOf(base, 'b'), statementId: statement }),
        entryAt(2, { entryId: twinOf(base, 'c'), statementId: statement }),
      ];
      writeEntries(index, new CompactRange(), entries, 4);
      for (const e of entries) assert.equal(index.entryById(e.entryId)?.index, e.index, `entry ${e.index}`);
      assert.equal(index.entryById(twinOf(base, 'd')), undefined, 'same first 32 bits, not held');
      assert.equal(index.entryByStatement(statement)?.index, 1, 'the first of the twins');
      assert.equal(index.entryByStatement(twinOf(statement, '1'))?.index, 0);
      assert.equal(index.entryByStatement(twinOf(statement, '2')), undefined);
      assert.equal(index.entryByIdOrStatement(twinOf(base, 'c'), statement)?.index, 2, 'its own id first');
      index.close();
    });
  });

  it('moves an index whose ids SQLite indexed (UNIQUE entry_id, entries_by_statement) to the locators, keeping every entry', () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const range = new CompactRange();
      const created = new LogIndexStore(path, { keepLatest: true });
      writeEntries(created, range, span(0, 25), 26);
      created.close();
      // the layout before the locators: the same entries in a table with its ids indexed, no id_keys
      const old = new Database(path);
      old.exec(`CREATE TABLE old_entries (
          idx INTEGER PRIMARY KEY, entry_id TEXT NOT NULL UNIQUE, iss TEXT NOT NULL, sub TEXT NOT NULL,
          content_type TEXT NOT NULL, kid TEXT NOT NULL, registered_at TEXT NOT NULL, receipt_size INTEGER NOT NULL,
          entry BLOB NOT NULL, statement_id TEXT NOT NULL);
        INSERT INTO old_entries SELECT * FROM entries; DROP TABLE entries; ALTER TABLE old_entries RENAME TO entries;
        CREATE INDEX entries_by_statement ON entries (statement_id, idx); DROP TABLE id_keys;`);
      old.close();
      const index = new LogIndexStore(path, { keepLatest: true });
      for (let i = 0; i < 25; i++) {
        assert.equal(index.entryById(entryAt(i).entryId)?.index, i);
        assert.equal(index.entryByStatement(entryAt(i).statementId)?.index, i);
      }
      writeEntries(index, range, span(25, 27), 28);
      assert.equal(index.entryById(entryAt(26).entryId)?.index, 26);
      index.close();
      const after = new Database(path, { readonly: true });
      assert.deepEqual(after.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entries'").pluck().all(), [], 'no index on the entries');
      assert.equal(after.prepare('SELECT sum(length(keys)) / 8 FROM id_keys').pluck().get(), 27, 'every entry keyed: the 25 moved over, the 2 written since');
      after.close();
    });
  });
});
