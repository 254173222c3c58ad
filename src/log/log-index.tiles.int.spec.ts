/**
 * The log index's levels 0–3 and entry ids in tiles of 16 leaves (log-index.tiles.ts) against real
 * files: slots, writes batch by batch as the sequencer makes them, the writer's open tile, failed
 * batches, and the conversion of a file from before tiles.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inclusionNodes, inclusionProof, verifyInclusion } from '../../libs/merkle/src/index.js';
import type { Checkpoint } from '../../libs/ledger/src/index.js';
import Database from 'better-sqlite3';
import { LogIndexStore } from './log-index.store.js';
import { TILE_LEVELS, TILE_NODES, slotOf, tileOf } from './log-index.tiles.js';
import { nodePosition } from './node-position.js';
import { buildReceipt } from './receipt.builder.js';
import { batchOf, checkpointAt, entriesOf, hex, inBatches, inTempDir, treeOf } from './test/log-index.fixture.js';

describe('log index tiles', () => {
  it('places levels 0–3 in tiles of 16 leaves: each slot is the node\'s post-order position less its tile\'s first', () => {
    for (const t of [0, 1, 2, 7, 1000, 2 ** 30 + 3, 2 ** 36 - 1]) {
      const first = nodePosition(TILE_LEVELS, t) - TILE_NODES; // the tile's 30 nodes, then its root (level 4)
      const slots = new Set<number>();
      for (let level = 0; level < TILE_LEVELS; level++) {
        const width = 16 >>> level;
        for (let j = 0; j < width; j++) {
          const index = t * width + j;
          assert.equal(tileOf(level, index), t, `(${level}, ${index}) in tile ${t}`);
          assert.equal(slotOf(level, index), nodePosition(level, index) - first, `(${level}, ${index}) slot`);
          slots.add(slotOf(level, index));
        }
      }
      assert.deepEqual([...slots].sort((a, b) => a - b), Array.from({ length: TILE_NODES }, (_, k) => k), 'the 30 slots, each once');
    }
  });

  /** The tiles and upper nodes a file holds, for comparing two files row by row. */
  const rowsOf = (path: string): { tiles: unknown[]; upper: unknown[] } => {
    const db = new Database(path, { readonly: true });
    try {
      return { tiles: db.prepare('SELECT t, nodes, ids FROM tiles ORDER BY t').raw().all(), upper: db.prepare('SELECT pos, hash FROM tree_nodes ORDER BY pos').raw().all() };
    } finally {
      db.close();
    }
  };

  it('writes tiles batch by batch as the sequencer does, the same rows as all at once; a reader sees the open tile grow; a failed batch leaves nothing behind', async () => {
    return inTempDir(async (dir) => {
      const n = 53;
      const { leaves, nodes, range: full } = treeOf(n);
      const entries = entriesOf(n);
      const once = new LogIndexStore(join(dir, 'once.sqlite'), { keepLatest: true });
      once.writeBatch(batchOf(full, nodes, entries));
      once.close();
      const path = join(dir, 'batches.sqlite');
      const writer = new LogIndexStore(path, { keepLatest: true });
      const reader = new LogIndexStore(path);
      let written = 0;
      for (const { from, to: at, nodes: batch, range } of inBatches(leaves, [1, 3, 5, 16, 17, 1, 2, 8])) {
        if (from === 25) {
          // the same batch, failing: nodes go into the open tile (one beyond the log), then an entry's index is taken
          const bogus = [...batch, { level: 0, index: 60, hash: new Uint8Array(32).fill(0xee) }];
          assert.throws(() => writer.writeBatch({ entries: [...entries.slice(from, at), entries[0]!], nodes: bogus, checkpoint: checkpointAt(range), range, appliedEvents: at + 1 }), /UNIQUE|PRIMARY KEY/);
          assert.throws(() => writer.writeBatch({ entries: [{ ...entries[from]!, entryId: entries[from]!.entryId.toUpperCase() }], nodes: batch, checkpoint: checkpointAt(range), range, appliedEvents: at + 1 }), /not 64 lowercase hex digits/);
        }
        writer.writeBatch({ entries: entries.slice(from, at), nodes: batch, checkpoint: checkpointAt(range), range, appliedEvents: at + 1 });
        for (const i of [from, at - 1, 0]) {
          const r = reader.proofNodes(inclusionNodes(i, at).ids, i, true);
          verifyInclusion(leaves[i]!, i, at, await inclusionProof(reader, i, at), range.root());
          assert.deepEqual([r.leafHash, r.entryId], [leaves[i], entries[i]!.entryId], `leaf ${i} at ${at}, from another instance`);
        }
        assert.deepEqual(reader.proofNodes([], at, true), { hashes: [], leafHash: undefined, entryId: undefined }, `nothing beyond ${at} in the open tile`);
        written = at;
      }
      assert.equal(written, n);
      writer.close();
      reader.close();
      assert.deepEqual(rowsOf(path), rowsOf(join(dir, 'once.sqlite')), 'the same tiles and upper nodes');
    });
  });

  it("builds a receipt by id in one statement (the first checkpoint above the entry, its tile, the checkpoint's last tile): the same bytes as from the entry's stored receipt size, in the writer and in another instance; ids sharing their first 32 bits too", async () => {
    return inTempDir(async (dir) => {
      const n = 200;
      const { leaves, nodes: all } = treeOf(n);
      const stored = new Map(all.map((x) => [`${x.level}/${x.index}`, x.hash]));
      const twin = (i: number): string => `${hex('entry 3').slice(0, 8)}${hex(`twin ${i}`).slice(8)}`; // the id lookup's first candidate may be another entry
      const entries = entriesOf(n).map((e) => ([3, 40, 41, 150].includes(e.index) ? { ...e, entryId: twin(e.index) } : e));
      const path = join(dir, 'log-index.sqlite');
      const writer = new LogIndexStore(path, { keepLatest: true });
      const reader = new LogIndexStore(path);
      const checkpoints: Checkpoint[] = [];
      // batches ending on a tile's edge (16, 32, 64), inside one (3, 33, 81 …), spanning several (31, 64, 50)
      for (const { from, to: at, nodes: batch, range } of inBatches(leaves, [1, 2, 13, 16, 1, 31, 17, 64, 5, 50])) {
        const checkpoint = { ...checkpointAt(range), signature: new Uint8Array(64).fill(checkpoints.length + 1) }; // each checkpoint's receipts differ
        checkpoints.push(checkpoint);
        writer.writeBatch({ entries: entries.slice(from, at).map((e) => ({ ...e, receiptTreeSize: at })), nodes: batch, checkpoint, range, appliedEvents: at + checkpoints.length });
      }
      assert.equal(checkpoints.at(-1)?.treeSize, n);
      for (const [name, index] of [['writer', writer], ['reader', reader]] as const) {
        for (let i = 0; i < n; i++) {
          const expected = buildReceipt(checkpoints.find((c) => c.treeSize > i)!, i, (level, index) => stored.get(`${level}/${index}`));
          assert.deepEqual(index.receipt(entries[i]!.entryId), expected, `${name}: entry ${i} by id`);
          assert.deepEqual(index.receiptOfEntry(index.entryByIndex(i)!), expected, `${name}: entry ${i} by its stored receipt size`);
        }
        assert.equal(index.receipt(twin(999)), undefined, `${name}: same first 32 bits, not held`);
        assert.equal(index.receipt(hex('not held')), undefined, `${name}: not held`);
      }
      writer.close();
      reader.close();
    });
  });

  it("the writer answers the right edge's open tile from memory, and from SQLite again after a failed batch", async () => {
    return inTempDir(async (dir) => {
      const path = join(dir, 'log-index.sqlite');
      const n = 37; // tile 2 (leaves 32–47) is open
      const { leaves, nodes, range } = treeOf(n);
      const entries = entriesOf(n);
      const writer = new LogIndexStore(path, { keepLatest: true });
      writer.writeBatch(batchOf(range, nodes, entries));
      const other = new Database(path);
      assert.equal(other.prepare('DELETE FROM tiles WHERE t = 2').run().changes, 1);
      const reader = new LogIndexStore(path);
      for (const at of [32, 36]) {
        const r = writer.proofNodes(inclusionNodes(at, n).ids, at, true);
        assert.deepEqual([r.leafHash, r.entryId], [leaves[at], entries[at]!.entryId], `leaf ${at} from the writer's memory`);
        verifyInclusion(leaves[at]!, at, n, await inclusionProof(writer, at, n), range.root());
        assert.deepEqual(writer.leafHash(at), leaves[at]);
        assert.deepEqual(reader.proofNodes([], at, true), { hashes: [], leafHash: undefined, entryId: undefined }, 'another instance reads SQLite');
      }
      // a proof of an earlier leaf reads its own tile from SQLite and the right edge's from memory
      verifyInclusion(leaves[5]!, 5, n, await inclusionProof(writer, 5, n), range.root());
      assert.throws(() => writer.writeBatch({ entries: [entries[0]!], nodes: [], checkpoint: checkpointAt(range), range, appliedEvents: n + 2 }), /UNIQUE|PRIMARY KEY/);
      assert.equal(writer.leafHash(36), undefined, 'after a failed batch the writer reads the tile from SQLite');
      reader.close();
      other.close();
      writer.close();
    });
  });

  it('moves levels 0–3 of an index from before tiles into tiles with their entry ids, the rows a new index writes', async () => {
    return inTempDir(async (dir) => {
      const n = 45;
      const { leaves, nodes, range } = treeOf(n);
      const entries = entriesOf(n);
      for (const name of ['new.sqlite', 'old.sqlite']) {
        const index = new LogIndexStore(join(dir, name), { keepLatest: true });
        index.writeBatch(batchOf(range, nodes, entries));
        index.close();
      }
      // the layout before tiles: every node in tree_nodes by position
      const old = new Database(join(dir, 'old.sqlite'));
      const put = old.prepare('INSERT INTO tree_nodes (pos, hash) VALUES (?, ?)');
      for (const x of nodes) if (x.level < TILE_LEVELS) put.run(nodePosition(x.level, x.index), Buffer.from(x.hash));
      old.exec('DROP TABLE tiles');
      old.close();
      // a conversion that fails part way (an entry id it cannot store) leaves the file as it was, and runs again at the next open
      const broken = new Database(join(dir, 'old.sqlite'));
      broken.prepare('UPDATE entries SET entry_id = upper(entry_id) WHERE idx = 40').run();
      broken.close();
      assert.throws(() => new LogIndexStore(join(dir, 'old.sqlite'), { keepLatest: true }), /entry id .* at index 40 is not 64 lowercase hex digits/);
      const fixed = new Database(join(dir, 'old.sqlite'));
      assert.equal(fixed.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'tiles'").pluck().get(), 0, 'no tiles table left behind');
      assert.equal(fixed.prepare('SELECT count(*) FROM tree_nodes').pluck().get(), nodes.length, 'every node still by position');
      fixed.prepare('UPDATE entries SET entry_id = lower(entry_id) WHERE idx = 40').run();
      fixed.close();
      const index = new LogIndexStore(join(dir, 'old.sqlite'), { keepLatest: true });
      for (let i = 0; i < n; i++) {
        const r = index.proofNodes(inclusionNodes(i, n).ids, i, true);
        verifyInclusion(leaves[i]!, i, n, await inclusionProof(index, i, n), range.root());
        assert.deepEqual([r.leafHash, r.entryId], [leaves[i], entries[i]!.entryId]);
      }
      index.close();
      assert.deepEqual(rowsOf(join(dir, 'old.sqlite')), rowsOf(join(dir, 'new.sqlite')));
    });
  });
});
