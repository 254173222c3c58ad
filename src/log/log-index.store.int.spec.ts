/**
 * LogIndexStore's in-memory answers against a real file: the writer keeps its latest checkpoint in
 * memory, and another instance on the same file (as the processors' thread opens it) still sees
 * every new checkpoint; proofs read their nodes in one statement and say which node is missing.
 */
import assert from 'node:assert/strict';
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
});
