/**
 * The sequencer's contract with its callers: what it needs (the signer port, its options) and what
 * it reports (state and status), apart from the loop in sequencer.ts.
 */
import type { EventStore } from '../../libs/event-store/src/index.js';
import type { LedgerEvent } from '../../libs/ledger/src/index.js';
import type { LogIndexStore } from './log-index.store.js';
import type { SequencerError, SequencerErrorCode } from './sequencer.errors.js';

export interface CheckpointSigner {
  /** Sign the tree head; returns the receipt protected header and the signature over the root. */
  sign(root: Uint8Array, treeSize: number, now: Date): Promise<{ protectedHeader: Uint8Array; signature: Uint8Array }>;
}

/** What the sequencer is doing; only `running` is ready for writes. */
export type SequencerState = 'starting' | 'running' | 'reloading' | 'recovering' | 'stopped';

export interface SequencerStatus {
  readonly state: SequencerState;
  readonly ready: boolean;
  /** set while recovering: the failure, since when, how many attempts, and when the next one runs */
  readonly failure?: { readonly code: SequencerErrorCode; readonly message: string; readonly since: string; readonly attempts: number; readonly nextAttemptAt: string };
}

export interface SequencerOptions {
  readonly store: EventStore;
  readonly index: LogIndexStore;
  readonly signer: CheckpointSigner;
  readonly logId: string;
  readonly maxBatch: number;
  /** entry bytes per batch at most (a batch holds at least one entry): keeps appends under the store's limits */
  readonly maxBatchBytes?: number;
  readonly lingerMs: number;
  readonly maxQueue: number;
  /** entry bytes queued at most: backpressure (503) bounds memory, not only the count */
  readonly maxQueueBytes?: number;
  /** back-off after a failure: the first retry after `retryMinMs` (default 250), doubling up to `retryMaxMs` (default 30 s) */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** run before resuming after a failure: throws when the store's disk does not take writes (full, read-only) */
  readonly probe?: () => Promise<void> | void;
  readonly clock?: () => Date;
  /** told after each batch's receipts are released (the service's latency metrics); must not throw, and a throw is only logged */
  readonly onReleased?: (timing: BatchTiming) => void;
}

/** When a batch's statements were queued, and when the batch was taken and released (`performance.now()`, ms). */
export interface BatchTiming {
  readonly queuedAt: readonly number[];
  readonly takenAt: number;
  readonly releasedAt: number;
}

/** A service append (keys, policy) waiting for its turn in the loop. */
export interface ServiceJob {
  readonly events: readonly LedgerEvent[];
  resolve(): void;
  reject(e: Error): void;
}

/** The failure the sequencer is recovering from. */
export interface Failure {
  readonly error: SequencerError;
  readonly since: Date;
  readonly attempts: number;
  readonly nextAttemptAt: number;
}
