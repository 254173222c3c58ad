/**
 * Helpers for the log index's tests: a log's stored tree (every perfect subtree node over given
 * leaf hashes, as the sequencer writes them, here level by level, and the compact range after
 * them), checkpoints and entries to write with it, and a temporary directory.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactRange, hashChildren, hashLeaf } from '../../../libs/merkle/src/index.js';
import type { Checkpoint, NodeWrite } from '../../../libs/ledger/src/index.js';
import type { BatchRecord } from '../log-index.rows.js';
import { LogIndexStore } from '../log-index.store.js';

export function storedTree(leaves: readonly Uint8Array[]): { nodes: NodeWrite[]; range: CompactRange } {
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
  return { nodes, range };
}

/** The stored nodes of a tree of `n` leaves (`leaf i` hashed): every perfect subtree. */
export function treeOf(n: number): { leaves: Uint8Array[]; nodes: NodeWrite[]; range: CompactRange } {
  const leaves = Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`leaf ${i}`)));
  return { leaves, ...storedTree(leaves) };
}

/** A checkpoint of the tree `range` holds (its signature zeros: the index does not check it). */
export const checkpointAt = (range: CompactRange): Checkpoint => ({ treeSize: range.size, root: range.root(), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: new Date(0).toISOString() });

/** One batch writing the tree `range` holds: `nodes`, `entries` and the checkpoint of `range`, as after `range.size + 1` events. */
export const batchOf = (range: CompactRange, nodes: readonly NodeWrite[], entries: BatchRecord['entries'] = []): BatchRecord => ({ entries, nodes, checkpoint: checkpointAt(range), range, appliedEvents: range.size + 1 });

/** A new log index file at `path` holding the tree of `n` leaves, written in one batch (without its nodes: `nodes: false`) and closed; the tree. */
export function writeTreeFile(path: string, n: number, o: { readonly nodes?: boolean } = {}): ReturnType<typeof treeOf> {
  const tree = treeOf(n);
  const index = new LogIndexStore(path, { keepLatest: true });
  index.writeBatch(batchOf(tree.range, o.nodes === false ? [] : tree.nodes));
  index.close();
  return tree;
}

/**
 * `leaves` appended batch by batch, `sizes` leaves each, as the sequencer writes them: per batch
 * the leaves' span [from, to), the nodes it completed, and the range after it (one object, advanced).
 */
export function* inBatches(leaves: readonly Uint8Array[], sizes: readonly number[]): Generator<{ from: number; to: number; nodes: NodeWrite[]; range: CompactRange }> {
  const range = new CompactRange();
  for (const size of sizes) {
    const from = range.size;
    const nodes: NodeWrite[] = [];
    for (let at = from; at < from + size; at++) range.append(leaves[at]!, (level, index, hash) => nodes.push({ level, index, hash }));
    yield { from, to: range.size, nodes, range };
  }
}

export const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** `n` entries, entry i with ids hex(`entry i`), hex(`statement i`) and the bytes `leaf i`. */
export const entriesOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    index: i, entryId: hex(`entry ${i}`), statementId: hex(`statement ${i}`), iss: 'https://ci.example', sub: 'sub',
    contentType: 'text/plain', kid: 'k', registeredAt: new Date(0).toISOString(), receiptTreeSize: n, entry: new TextEncoder().encode(`leaf ${i}`),
  }));

/** Runs `fn` in a fresh temporary directory, removed after it whatever happens. */
export async function inTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'log-index-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
