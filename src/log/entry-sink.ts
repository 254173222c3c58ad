/**
 * Where an admitted (verified, policy-checked) statement goes to become a log entry. The register
 * handler knows only this seam: on a single node and on the leader it is the local
 * {@link Sequencer}; on a follower it is the {@link LeaderForwarder}, which hands the entry to the
 * leader and answers once this node's own index holds it (read-your-writes).
 */
import type { AdmittedEntry } from '../../libs/ledger/src/index.js';
import type { Registered } from './sequencer.queue.js';

export interface EntrySink {
  /**
   * Resolves with the receipt once the entry is durable (and, on a follower, in this node's index).
   * The same statement twice (same statement id) ⇒ the same promise. Rejects with a
   * `SequencerError` (503 + Retry-After) when the statement could not be made durable now.
   */
  submit(entry: AdmittedEntry): Promise<Registered>;
  /** The entry id under which a statement is queued or being handed over. */
  pendingEntryOf(statementId: string): string | undefined;
  /** The entry is queued, being appended or being handed over. */
  isPending(entryId: string): boolean;
}

/** The Nest injection token of the node's {@link EntrySink}. */
export const ENTRY_SINK = Symbol.for('scitt-ledger.EntrySink');
