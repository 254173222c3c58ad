/**
 * The messages between {@link openSqliteWorkerEventStore} (the main-thread proxy,
 * sqlite-worker.event-store.ts) and the worker that owns the connection (sqlite.worker.ts):
 * requests, replies, the worker's start-up data, and how an error crosses the thread boundary.
 * Plain structured-clone data; both sides import this file and nothing of each other.
 */
import { ConcurrencyError, EventStoreError, type EventStoreErrorCode } from './event-store.errors.js';
import type { EventStore, ExpectedRevision } from './event-store.port.js';

/** What the worker opens: passed as `workerData`. */
export interface SqliteWorkerData {
  path: string;
  maxEventBytes?: number;
  autoCheckpointPages?: number;
}

export type WorkerRequest =
  | { id: number; op: 'append'; args: Parameters<EventStore['append']> }
  | { id: number; op: 'readStream'; args: [string, { from: number | 'start' | 'end'; direction: 'forward' | 'backward'; maxCount: number }] }
  | { id: number; op: 'readAll'; args: [{ after?: bigint; maxCount?: number }] }
  | { id: number; op: 'head'; args: [] }
  | { id: number; op: 'close'; args: [] };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

/** An error as it crosses the thread boundary: the fields the typed errors need to be rebuilt. */
export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  stream?: string;
  expected?: unknown;
  actual?: unknown;
}

/** Worker side: the fields of a thrown error that {@link deserializeError} needs. */
export function serializeError(err: unknown): SerializedError {
  const e = err as SerializedError;
  return { name: e.name, code: e.code, message: e.message, stream: e.stream, expected: e.expected, actual: e.actual };
}

/**
 * Main-thread side: the typed error again (a {@link ConcurrencyError} stays one, `ERR_EVENT_STORE_*`
 * codes are kept); anything else becomes `ERR_EVENT_STORE_INTERNAL`.
 */
export function deserializeError(e: SerializedError): Error {
  if (e.code === 'ERR_EVENT_STORE_CONCURRENCY') return new ConcurrencyError(e.stream ?? '', e.expected as ExpectedRevision, e.actual as number | 'no_stream');
  if (e.code?.startsWith('ERR_EVENT_STORE_')) return new EventStoreError(e.code as EventStoreErrorCode, e.message);
  return new EventStoreError('ERR_EVENT_STORE_INTERNAL', `couldn't complete the request in the event store worker: ${e.message}`);
}
