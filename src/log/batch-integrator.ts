/**
 * Turns a sequenced batch (entries + the checkpoint that closes it) into what the log index keeps:
 * receipts with inclusion proofs at the checkpoint's size, and the tree nodes the batch completed.
 * Used by the sequencer after each append and by startup replay, so both produce identical bytes.
 */
import { inclusionProof, type NodeId, type NodeReader } from '../../libs/merkle/src/index.js';
import type { BatchPlan, Checkpoint, NodeWrite } from '../../libs/ledger/src/index.js';
import { encodeInclusionReceipt } from '../../libs/receipt/src/index.js';
import type { CompactRange } from '../../libs/merkle/src/index.js';
import type { BatchRecord } from './log-index.store.js';
import { statementIdOfEntry } from './statement-id.js';

/** The perfect subtrees whose hashes a compact range holds, left to right, with their node ids. */
export function peaksOf(range: CompactRange): NodeWrite[] {
  const { size, hashes } = range.state();
  const out: NodeWrite[] = [];
  let start = 0;
  let i = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      out.push({ level, index: start / width, hash: hashes[i++]! });
      start += width;
    }
  }
  return out;
}

/** A node reader over the nodes a batch completed plus the peaks before it: enough for every proof of the batch. */
class BatchNodeReader implements NodeReader {
  private readonly nodes = new Map<string, Uint8Array>();
  constructor(before: CompactRange, written: readonly NodeWrite[]) {
    for (const n of peaksOf(before)) this.nodes.set(`${n.level}/${n.index}`, n.hash);
    for (const n of written) this.nodes.set(`${n.level}/${n.index}`, n.hash);
  }
  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    return ids.map((id) => {
      const h = this.nodes.get(`${id.level}/${id.index}`);
      if (!h) throw new Error(`couldn't build an inclusion proof: node (${id.level}, ${id.index}) is outside the batch`);
      return h;
    });
  }
}

/**
 * `statementIds`: the statement ids the caller already computed (the sequencer's admitted entries),
 * by entry id; the others (replay) are computed from the entry bytes.
 */
export async function integrateBatch(
  plan: BatchPlan,
  checkpoint: Checkpoint,
  appliedEvents: number,
  statementIds?: ReadonlyMap<string, string>,
): Promise<BatchRecord> {
  const reader = new BatchNodeReader(plan.before, plan.nodes);
  const entries = [];
  for (const e of plan.entries) {
    const path = await inclusionProof(reader, e.index, checkpoint.treeSize);
    const receipt = encodeInclusionReceipt({
      protectedHeader: checkpoint.protectedHeader,
      signature: checkpoint.signature,
      treeSize: checkpoint.treeSize,
      leafIndex: e.index,
      path,
    });
    entries.push({
      index: e.index,
      entryId: e.entryId,
      statementId: statementIds?.get(e.entryId) ?? statementIdOfEntry(e.entry, e.entryId),
      iss: e.iss,
      sub: e.sub,
      contentType: e.contentType,
      kid: e.kid,
      registeredAt: e.registeredAt,
      receiptTreeSize: checkpoint.treeSize,
      entry: e.entry,
      receipt,
    });
  }
  return { entries, nodes: plan.nodes, checkpoint, range: plan.after, appliedEvents };
}
