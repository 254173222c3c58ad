/**
 * The API between {@link openSqliteWorkerEventStore} (the caller's proxy, sqlite-worker.event-store.ts)
 * and the worker that owns the connection (sqlite.worker.ts), carried by the service's one worker-RPC
 * helper (libs/threads): the operations, the worker's start-up data, and how the store's typed
 * errors are rebuilt on the caller's side. Both sides import this file and nothing of each other.
 */
import type { SerializedError } from '../../threads/src/index.js';
import { ConcurrencyError, EventStoreError, type EventStoreErrorCode } from './event-store.errors.js';
import type { AppendResult, EventStore, ExpectedRevision, RecordedEvent } from './event-store.port.js';

/** What the worker opens: passed as `workerData`. */
export interface SqliteWorkerData {
  path: string;
  maxEventBytes?: number;
  autoCheckpointPages?: number;
}

/** The worker's operations (results are plain structured-clone data). */
export type SqliteWorkerApi = {
  append(...args: Parameters<EventStore['append']>): Promise<AppendResult>;
  readStream(stream: string, opts: { from: number | 'start' | 'end'; direction: 'forward' | 'backward'; maxCount: number }): Promise<RecordedEvent[]>;
  readAll(opts: { after?: bigint; maxCount?: number }): Promise<RecordedEvent[]>;
  head(): Promise<bigint>;
  close(): Promise<void>;
};

/**
 * Caller side: the typed error again (a {@link ConcurrencyError} stays one, `ERR_EVENT_STORE_*`
 * codes are kept); anything else becomes `ERR_EVENT_STORE_INTERNAL`.
 */
export function reviveStoreError(e: SerializedError): Error {
  const f = e.fields ?? {};
  if (e.code === 'ERR_EVENT_STORE_CONCURRENCY') return new ConcurrencyError(String(f.stream ?? ''), f.expected as ExpectedRevision, f.actual as number | 'no_stream');
  if (e.code?.startsWith('ERR_EVENT_STORE_')) return new EventStoreError(e.code as EventStoreErrorCode, e.message);
  return new EventStoreError('ERR_EVENT_STORE_INTERNAL', `couldn't complete the request in the event store worker: ${e.message}`);
}
