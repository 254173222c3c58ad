import type { ExpectedRevision } from './event-store.port.js';

/** The stable codes an {@link EventStoreError} may carry. */
export type EventStoreErrorCode =
  | 'ERR_EVENT_STORE_CONCURRENCY'
  | 'ERR_EVENT_STORE_INVALID_STREAM'
  | 'ERR_EVENT_STORE_INVALID_EVENT'
  | 'ERR_EVENT_STORE_EVENT_TOO_LARGE'
  | 'ERR_EVENT_STORE_INVALID_ARGUMENT'
  | 'ERR_EVENT_STORE_CLOSED'
  | 'ERR_EVENT_STORE_UNAVAILABLE'
  | 'ERR_EVENT_STORE_ACCESS_DENIED'
  | 'ERR_EVENT_STORE_STREAM_DELETED'
  | 'ERR_EVENT_STORE_INTERNAL';

/** Every error the event store raises: match on `code`, never on the message. */
export class EventStoreError extends Error {
  readonly code: EventStoreErrorCode;
  constructor(code: EventStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreError';
    this.code = code;
  }
}

/** An append's expected revision did not match the stream: another writer got there first. Nothing was written. */
export class ConcurrencyError extends EventStoreError {
  declare readonly code: 'ERR_EVENT_STORE_CONCURRENCY';
  readonly stream: string;
  readonly expected: ExpectedRevision;
  /** The stream's real last revision, or `'no_stream'`. */
  readonly actual: number | 'no_stream';
  constructor(stream: string, expected: ExpectedRevision, actual: number | 'no_stream', options?: { cause?: unknown }) {
    super(
      'ERR_EVENT_STORE_CONCURRENCY',
      `couldn't append to stream ${JSON.stringify(stream)}: expected revision ${String(expected)}, actual ${String(actual)}`,
      options,
    );
    this.name = 'ConcurrencyError';
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

/** True when `err` is an {@link EventStoreError} with this code (works across module copies). */
export function isEventStoreError(err: unknown, code?: EventStoreErrorCode): err is EventStoreError {
  if (!(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' && c.startsWith('ERR_EVENT_STORE_') && (code === undefined || c === code);
}
