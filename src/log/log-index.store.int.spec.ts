/**
 * LogIndexStore's in-memory answers against a real file: the writer keeps its latest checkpoint in
 * memory, and another instance on the same file (as the processors' thread opens it) still sees
 * every new checkpoint; proofs read their nodes in one statement and say which node is missing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompactRange, hashChildren, hashLeaf, inclusionProof, verifyInclusion } from '../../libs/merkle/src/index.js';
import type { Checkpoint, NodeWrite } from '../../libs/ledger/src/index.js';
import { LogIndexStore } from './log-index.store.js';

const checkpointAt = (range: CompactRange): Checkpoint => ({ treeSize: range.size, root: range.root(), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: new Date(0).toISOString() });

/** The stored nodes of a tree of `n` leaves: every perfect subtree (what the sequencer writes). */
function treeOf(n: number): { leaves: Uint8Array[]; nodes: NodeWrite[]; range: CompactRange } {
  const leaves = Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`leaf ${i}`)));
  const nodes: NodeWrite[] = [];
  let level = leaves;
  for (let l = 0; level.length > 0; l++) {
    level.forEach((hash, index) => nodes.push({ level: l, index, hash }));
    const up: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) up.push(hashChildren(level[i]!, level[i + 1]!));
    level = up;
  }
  const range = new CompactRange();
  for (const leaf of leaves) range.append(leaf);
  return { leaves, nodes, range };
}

describe('LogIndexStore', () => {
  it('keeps the latest checkpoint in the writer, and a second instance on the file sees every new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-index-'));
    try {
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves inclusion proofs from its nodes (levels read together), and names a node it lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-index-'));
    try {
      const index = new LogIndexStore(join(dir, 'log-index.sqlite'), { keepLatest: true });
      const n = 37;
      const { leaves, nodes, range } = treeOf(n);
      index.writeBatch({ entries: [], nodes, checkpoint: checkpointAt(range), range, appliedEvents: n + 1 });
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the writer answers "not in the log" from its id filter, and finds every entry and statement, old or new', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-index-'));
    const hex = (s: string): string => createHash('sha256').update(s).digest('hex');
    const entryAt = (i: number) => ({ index: i, entryId: hex(`entry ${i}`), statementId: hex(`statement ${i}`), iss: 'https://ci.example', sub: 'sub', contentType: 'text/plain', kid: 'k', registeredAt: new Date(0).toISOString(), receiptTreeSize: i + 1, entry: new Uint8Array([i]) });
    try {
      const path = join(dir, 'log-index.sqlite');
      const range = new CompactRange();
      const write = (index: LogIndexStore, from: number, to: number, applied: number): void => {
        const entries = [];
        for (let i = from; i < to; i++) {
          range.append(hashLeaf(new Uint8Array([i])));
          entries.push(entryAt(i));
        }
        index.writeBatch({ entries, nodes: [], checkpoint: checkpointAt(range), range, appliedEvents: applied });
      };
      const first = new LogIndexStore(path, { keepLatest: true });
      write(first, 0, 30, 31);
      first.close();
      const writer = new LogIndexStore(path, { keepLatest: true });
      const reader = new LogIndexStore(path);
      assert.equal(writer.entryByIdOrStatement(entryAt(3).entryId, hex('new'))?.index, 3, 'found while the filter loads');
      await writer.idsLoaded;
      write(writer, 30, 40, 41);
      for (const i of [0, 17, 29, 30, 39]) {
        assert.equal(writer.entryByIdOrStatement(entryAt(i).entryId, hex('new'))?.index, i, `entry ${i} by its id`);
        assert.equal(writer.entryByIdOrStatement(hex('new'), entryAt(i).statementId)?.index, i, `entry ${i} by its statement`);
      }
      assert.equal(writer.entryByIdOrStatement(hex('new'), hex('new statement')), undefined);
      assert.deepEqual([...writer.knownStatements([hex('a'), entryAt(5).statementId, entryAt(35).statementId, hex('b')])].sort(), [entryAt(5).statementId, entryAt(35).statementId].sort());
      assert.deepEqual(writer.knownStatements([hex('a'), hex('b')]), new Set());
      assert.equal(reader.entryByIdOrStatement(entryAt(35).entryId, hex('new'))?.index, 35, 'a reader instance (no filter) reads SQLite');
      writer.close();
      reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
