/**
 * A receipt from what the log index keeps: the checkpoint that signs tree size `treeSize` and the
 * stored perfect subtree nodes. The sequencer (for the waiters of a batch, from the batch's nodes
 * in memory) and the log index (on read, from its node table) both build receipts here, so a
 * receipt is the same bytes whenever and wherever it is built: the inputs are immutable once the
 * checkpoint is durable, and the encoding is deterministic.
 */
import { inclusionNodes, rehashProof, type NodeId } from '../../libs/merkle/src/index.js';
import type { Checkpoint } from '../../libs/ledger/src/index.js';
import { encodeInclusionReceipt, encodeInclusionReceipts } from '../../libs/receipt/src/index.js';

/** Reads one stored node; undefined when it is not stored. */
export type NodeLookup = (level: number, index: number) => Uint8Array | undefined;

/** Reads a plan's nodes in one go, in order; undefined for those not stored. */
export type NodesLookup = (ids: readonly NodeId[]) => readonly (Uint8Array | undefined)[];

/**
 * The inclusion receipt of leaf `leafIndex` at `checkpoint.treeSize`. Throws when a node the
 * proof needs is missing (`couldn't build the receipt of leaf …`).
 */
export function buildReceipt(checkpoint: Checkpoint, leafIndex: number, node: NodeLookup): Uint8Array {
  return buildReceiptFrom(checkpoint, leafIndex, lookupEach(node));
}

/** A plan's nodes read one at a time. */
function lookupEach(node: NodeLookup): NodesLookup {
  return (ids) => ids.map((id) => node(id.level, id.index));
}

/** {@link buildReceipt} with the path's nodes read in one call (the log index: one SQLite statement for the uncached ones). */
export function buildReceiptFrom(checkpoint: Checkpoint, leafIndex: number, nodes: NodesLookup): Uint8Array {
  return encodeInclusionReceipt({
    protectedHeader: checkpoint.protectedHeader,
    signature: checkpoint.signature,
    treeSize: checkpoint.treeSize,
    leafIndex,
    path: pathOf(checkpoint, leafIndex, nodes),
  });
}

/**
 * The receipts of several leaves at one checkpoint, the same bytes as {@link buildReceipt} gives
 * each, as views into one buffer (libs/receipt `encodeInclusionReceipts`): a batch's waiters.
 */
export function buildReceipts(checkpoint: Checkpoint, leafIndices: readonly number[], node: NodeLookup): Uint8Array[] {
  const nodes = lookupEach(node);
  return encodeInclusionReceipts({
    protectedHeader: checkpoint.protectedHeader,
    signature: checkpoint.signature,
    treeSize: checkpoint.treeSize,
    proofs: leafIndices.map((leafIndex) => ({ leafIndex, path: pathOf(checkpoint, leafIndex, nodes) })),
  });
}

function pathOf(checkpoint: Checkpoint, leafIndex: number, nodes: NodesLookup): Uint8Array[] {
  const plan = inclusionNodes(leafIndex, checkpoint.treeSize);
  const read = nodes(plan.ids);
  const hashes = plan.ids.map((id, i) => {
    const h = read[i];
    if (!h) throw new Error(`couldn't build the receipt of leaf ${leafIndex} at size ${checkpoint.treeSize}: node (${id.level}, ${id.index}) is not stored`);
    return h;
  });
  return rehashProof(plan, hashes);
}
