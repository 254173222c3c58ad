/**
 * What the log index (log-index.store.ts) stores and answers, and its rows as SQLite returns them.
 */
import type { CompactRange, NodeId } from '../../libs/merkle/src/index.js';
import type { Checkpoint, NodeWrite } from '../../libs/ledger/src/index.js';

export interface IndexedEntry {
  readonly index: number;
  readonly entryId: string;
  /** what the issuer signed, independent of the signature's encoding (docs/receipts.md) */
  readonly statementId: string;
  readonly iss: string;
  readonly sub: string;
  readonly contentType: string;
  readonly kid: string;
  readonly registeredAt: string;
  /** the checkpoint (tree size) the entry's receipt is signed at */
  readonly receiptTreeSize: number;
}

export interface BatchRecord {
  readonly entries: readonly (IndexedEntry & { readonly entry: Uint8Array })[];
  readonly nodes: readonly NodeWrite[];
  readonly checkpoint: Checkpoint;
  readonly range: CompactRange;
  /** number of stream events applied once this batch is written */
  readonly appliedEvents: number;
}

export interface Row {
  idx: number;
  entry_id: string;
  statement_id: string;
  iss: string;
  sub: string;
  content_type: string;
  kid: string;
  registered_at: string;
  receipt_size: number;
}

export const toEntry = (r: Row): IndexedEntry => ({
  index: r.idx,
  entryId: r.entry_id,
  statementId: r.statement_id,
  iss: r.iss,
  sub: r.sub,
  contentType: r.content_type,
  kid: r.kid,
  registeredAt: r.registered_at,
  receiptTreeSize: r.receipt_size,
});

export interface CheckpointRow {
  tree_size: number;
  root: Buffer;
  protected: Buffer;
  signature: Buffer;
  signed_at: string;
}

export const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  treeSize: r.tree_size,
  root: new Uint8Array(r.root),
  protectedHeader: new Uint8Array(r.protected),
  signature: new Uint8Array(r.signature),
  signedAt: r.signed_at,
});

/** `hashes` read for `ids`, each one there: a missing node is named. */
export function allStored(ids: readonly NodeId[], hashes: readonly (Uint8Array | undefined)[]): Uint8Array[] {
  for (let i = 0; i < ids.length; i++) {
    if (!hashes[i]) throw new Error(`couldn't read tree node (${ids[i]!.level}, ${ids[i]!.index}): not stored`);
  }
  return hashes as Uint8Array[];
}
