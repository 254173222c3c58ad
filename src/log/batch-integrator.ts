/**
 * Turns a sequenced batch (entries + the checkpoint that closes it) into what the log index keeps:
 * the entries and the tree nodes the batch completed. Used by the sequencer after each append and
 * by startup replay, so both store the same rows. Receipts are not stored: the index builds them on
 * read from the checkpoint and the nodes (receipt.builder.ts); the sequencer builds the receipts of
 * its waiters here, from the batch's nodes in memory, with the same function — the same bytes.
 */
import type { BatchPlan, Checkpoint, NodeWrite } from '../../libs/ledger/src/index.js';
import type { CompactRange } from '../../libs/merkle/src/index.js';
import type { BatchRecord } from './log-index.store.js';
import { buildReceipts } from './receipt.builder.js';
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

/**
 * The receipts of a batch's entries at the checkpoint that closes it, in batch order, from the
 * nodes the batch completed plus the peaks before it (enough for every proof of the batch).
 */
export function batchReceipts(plan: BatchPlan, checkpoint: Checkpoint): Uint8Array[] {
  const nodes = new Map<string, Uint8Array>();
  for (const n of peaksOf(plan.before)) nodes.set(`${n.level}/${n.index}`, n.hash);
  for (const n of plan.nodes) nodes.set(`${n.level}/${n.index}`, n.hash);
  const lookup = (level: number, index: number): Uint8Array | undefined => nodes.get(`${level}/${index}`);
  return buildReceipts(checkpoint, plan.entries.map((e) => e.index), lookup);
}

/**
 * `statementIds`: the statement ids the caller already computed (the sequencer's admitted entries),
 * by entry id; the others (replay) are computed from the entry bytes.
 */
export function integrateBatch(plan: BatchPlan, checkpoint: Checkpoint, appliedEvents: number, statementIds?: ReadonlyMap<string, string>): BatchRecord {
  const entries = plan.entries.map((e) => ({
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
  }));
  return { entries, nodes: plan.nodes, checkpoint, range: plan.after, appliedEvents };
}
