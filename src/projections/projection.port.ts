/**
 * A projection: a read model derived from the event stream (the read side of CQRS).
 *
 * Contract (docs/api.md#projections):
 * - it has a stable `name` and a `version`; a stored projection whose version differs is dropped
 *   and rebuilt from the first event;
 * - `apply` is called inside the transaction that also advances the projection's stored position,
 *   so each event's effect lands exactly once even though delivery is at-least-once;
 * - `apply` is synchronous and deterministic (no clock, no randomness): replaying the same events
 *   into empty tables gives identical rows.
 */
import type { Database } from 'better-sqlite3';
import type { LedgerEvent } from '../../libs/ledger/src/index.js';

/** A ledger event with where it sits in the store. */
export interface ProjectedEvent {
  readonly event: LedgerEvent;
  readonly position: bigint;
  readonly stream: string;
  readonly revision: number;
}

export interface Projection {
  /** Stable name: the key of its stored state (e.g. `claims`). */
  readonly name: string;
  /** Bump to rebuild from the start (schema or meaning changed). */
  readonly version: number;
  /** Tables (and only those) owned by this projection; dropped on rebuild. */
  readonly tables: readonly string[];
  /** Creates its tables and indexes (IF NOT EXISTS) and returns its applier, statements prepared on `db`. */
  open(db: Database): ProjectionApplier;
}

export interface ProjectionApplier {
  /** Applies one event of the log (inside the batch's transaction); throws to roll the batch back. */
  apply(e: ProjectedEvent): void;
  /** Called first in each batch's transaction: forget anything kept from a batch that rolled back. */
  startBatch?(): void;
  /** Called last in each batch's transaction that applied events: write what was kept per batch (counters, heads). */
  endBatch?(): void;
  /** Called after that transaction committed (not after one that rolled back): keep in memory what it wrote. */
  committed?(): void;
  /** Called when the projection is dropped for a rebuild and this applier replaced: stop background work. */
  close?(): void;
}
