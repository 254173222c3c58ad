/**
 * The log as a decider (Emmett style): `evolve(state, event)` folds the stream into state and
 * checks its integrity; `decideBatch(state, pending, now)` turns a batch of admitted statements
 * into the events that extend the log, and `sealBatch` adds the signed checkpoint. Signing is
 * async and keyed, so it sits between the two in the sequencer; both halves stay pure.
 */
import { bytesEqual, toHex } from '../../cose/src/index.js';
import { CompactRange } from '../../merkle/src/index.js';
import type { CheckpointSigned, EntryRegistered, LedgerEvent } from './events.js';

export interface Checkpoint {
  readonly treeSize: number;
  readonly root: Uint8Array;
  readonly protectedHeader: Uint8Array;
  readonly signature: Uint8Array;
  readonly signedAt: string;
}

export interface LogState {
  /** number of entries */
  readonly size: number;
  /** right edge of the tree at `size` (never mutated: each step returns a new range) */
  readonly range: CompactRange;
  /** the last signed checkpoint, or null for a log that never signed one */
  readonly lastCheckpoint: Checkpoint | null;
  /** how many events the stream holds (the next append expects revision `events - 1`) */
  readonly events: number;
}

export class LogIntegrityError extends Error {
  readonly code = 'ERR_LOG_INTEGRITY';
  constructor(message: string) {
    super(message);
    this.name = 'LogIntegrityError';
  }
}

export function initialLogState(): LogState {
  return { size: 0, range: new CompactRange(), lastCheckpoint: null, events: 0 };
}


/** Fold one event into the state; throws {@link LogIntegrityError} if the stream contradicts itself. */
export function evolve(state: LogState, event: LedgerEvent): LogState {
  switch (event.type) {
    case 'EntryRegistered': {
      if (event.index !== state.size) throw new LogIntegrityError(`entry ${event.entryId} has index ${event.index}, but the log has ${state.size} entries`);
      const range = CompactRange.fromState(state.range.state());
      range.append(event.leafHash);
      return { ...state, size: state.size + 1, range, events: state.events + 1 };
    }
    case 'CheckpointSigned': {
      if (event.treeSize !== state.size) throw new LogIntegrityError(`checkpoint for size ${event.treeSize} follows ${state.size} entries`);
      // One checkpoint closes each batch and no batch is empty: a second checkpoint of one tree size
      // would be a second answer to "which checkpoint signs this entry's receipt" (docs/receipts.md).
      if ((state.lastCheckpoint?.treeSize ?? 0) === state.size) throw new LogIntegrityError(`checkpoint for size ${event.treeSize} closes no entries: the last checkpoint signed that size already`);
      const root = state.range.root();
      if (!bytesEqual(root, event.root)) throw new LogIntegrityError(`checkpoint root ${toHex(event.root)} for size ${event.treeSize} differs from the recomputed root ${toHex(root)}`);
      const { treeSize, protectedHeader, signature, signedAt } = event;
      return { ...state, lastCheckpoint: { treeSize, root: event.root, protectedHeader, signature, signedAt }, events: state.events + 1 };
    }
    default:
      return { ...state, events: state.events + 1 };
  }
}

/** A statement that passed every check and waits for its index. */
export interface AdmittedEntry {
  readonly entry: Uint8Array;
  readonly entryId: string;
  /** what the issuer signed, independent of the signature's encoding: the dedupe key (docs/receipts.md) */
  readonly statementId: string;
  readonly leafHash: Uint8Array;
  readonly iss: string;
  readonly sub: string;
  readonly contentType: string;
  readonly kid: string;
}

export interface NodeWrite {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

export interface BatchPlan {
  readonly entries: readonly EntryRegistered[];
  readonly treeSize: number;
  readonly root: Uint8Array;
  /** the right edge before the batch: its hashes are the left siblings of every new leaf's path */
  readonly before: CompactRange;
  /** the right edge after the batch */
  readonly after: CompactRange;
  /** every perfect-subtree node the batch completed (level 0 = the leaves) */
  readonly nodes: readonly NodeWrite[];
}

/** Assign indices to a batch and compute the new tree; the caller signs `root` at `treeSize`. */
export function decideBatch(state: LogState, pending: readonly AdmittedEntry[], now: Date): BatchPlan {
  if (pending.length === 0) throw new RangeError("couldn't plan a batch: it is empty");
  const registeredAt = now.toISOString();
  const entries = pending.map(
    (p, i): EntryRegistered => ({ type: 'EntryRegistered', index: state.size + i, entryId: p.entryId, leafHash: p.leafHash, entry: p.entry, iss: p.iss, sub: p.sub, contentType: p.contentType, kid: p.kid, registeredAt }),
  );
  return planOf(state, entries);
}

/** The tree work of a batch of (new or recorded) entries: used by {@link decideBatch} and by replay. */
export function planOf(state: LogState, entries: readonly EntryRegistered[]): BatchPlan {
  const after = CompactRange.fromState(state.range.state());
  const nodes: NodeWrite[] = [];
  const onNode = (level: number, index: number, hash: Uint8Array): void => {
    nodes.push({ level, index, hash });
  };
  for (const e of entries) {
    if (e.index !== after.size) throw new LogIntegrityError(`entry ${e.entryId} has index ${e.index}, but the log has ${after.size} entries`);
    after.append(e.leafHash, onNode);
  }
  return { entries, treeSize: after.size, root: after.root(), before: state.range, after, nodes };
}

/** The state after a planned batch and its checkpoint were appended. */
export function stateAfter(state: LogState, plan: BatchPlan, checkpoint: CheckpointSigned): LogState {
  return evolve({ size: plan.treeSize, range: plan.after, lastCheckpoint: state.lastCheckpoint, events: state.events + plan.entries.length }, checkpoint);
}

/** The checkpoint event that closes a batch, once its header is signed. */
export function sealBatch(plan: BatchPlan, protectedHeader: Uint8Array, signature: Uint8Array, now: Date): CheckpointSigned {
  return { type: 'CheckpointSigned', treeSize: plan.treeSize, root: plan.root, protectedHeader, signature, signedAt: now.toISOString() };
}
