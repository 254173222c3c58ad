/**
 * A log's stored tree for tests of the log index: every perfect subtree node over the given leaf
 * hashes (what the sequencer writes, level by level here), and the compact range after them.
 */
import { CompactRange, hashChildren } from '../../../libs/merkle/src/index.js';
import type { NodeWrite } from '../../../libs/ledger/src/index.js';

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
