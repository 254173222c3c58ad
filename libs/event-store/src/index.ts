/**
 * @module event-store — the event store port, its adapters, checkpoints and processors.
 * See docs/event-store.md.
 */
export type {
  AppendResult,
  EventContentType,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
  SubscriptionFilter,
} from './event-store.port.js';
export { ConcurrencyError, EventStoreError, isEventStoreError, type EventStoreErrorCode } from './event-store.errors.js';
export { DEFAULT_MAX_EVENT_BYTES, MAX_EVENT_TYPE_BYTES, MAX_STREAM_NAME_BYTES } from './event-validation.js';
export { openSqliteEventStore, type SqliteEventStoreOptions } from './sqlite.factory.js';
export { startWalCheckpointer, type WalCheckpointer, type WalCheckpointerOptions, type WalCheckpointStats } from './wal-checkpointer.js';
export { openPostgresEventStore, type PostgresEventStoreOptions } from './postgres.event-store.js';
export { openPostgresCheckpointStore, type PostgresCheckpointStoreOptions } from './postgres.checkpoint.js';
export { PostgresLease, holderQuery, leaseKey, type LeaseHolder, type PostgresLeaseOptions } from './postgres.lease.js';
export { openKurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb.event-store.js';
export type { KurrentSubscriptionTuning } from './kurrentdb.subscription.js';
export { createMemoryEventStore, type MemoryEventStoreOptions } from './memory.event-store.js';
export { createMemoryCheckpointStore, openSqliteCheckpointStore, type CheckpointStore } from './checkpoint.store.js';
export { runProcessor, type ProcessorErrorInfo, type ProcessorHandle, type RunProcessorOptions } from './run-processor.js';
// The contract suite (node:test) is imported by adapters' tests from './contract/event-store.contract.js',
// not re-exported here: production imports of this index must not load the test runner.
