/**
 * Translation between the port's types and @kurrent/kurrentdb-client's: events, metadata,
 * expected revisions, errors. Pure functions, unit-tested without a server.
 *
 * Metadata is bytes in the port but the client JSON-parses any metadata that happens to be JSON
 * when reading (and re-serialises non-Uint8Array metadata when writing). To return the exact
 * bytes, metadata that would not survive that round trip byte for byte is written as the JSON
 * object `{"$bytes":"<base64>"}` and unwrapped on read; metadata that is not JSON, or is compact
 * JSON exactly as `JSON.stringify` writes it, is stored as is (readable in KurrentDB's UI).
 */
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  binaryEvent,
  jsonEvent,
  type AppendStreamState,
  type EventData,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, EventStoreError } from './event-store.errors.js';
import type { ExpectedRevision, RecordedEvent } from './event-store.port.js';
import type { ValidEvent } from './event-validation.js';

const WRAPPER_KEY = '$bytes';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The client's `streamState` for an expected revision. */
export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

/** The metadata value to hand to the client so that {@link decodeMetadata} returns `bytes` exactly. */
export function encodeMetadata(bytes: Uint8Array): Uint8Array | Record<string, string> | undefined {
  if (bytes.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8')); // exactly what the client does on read
  } catch {
    return new Uint8Array(bytes); // not JSON: the client hands it back as bytes
  }
  let exact = false;
  try {
    exact = JSON.stringify(parsed) === strictUtf8.decode(bytes) && !isWrapper(parsed);
  } catch {
    exact = false;
  }
  return exact ? new Uint8Array(bytes) : { [WRAPPER_KEY]: Buffer.from(bytes).toString('base64') };
}

/** The bytes behind metadata as the client returns it. */
export function decodeMetadata(metadata: unknown): Uint8Array {
  if (metadata === undefined) return new Uint8Array(0);
  if (metadata instanceof Uint8Array) return new Uint8Array(metadata);
  if (isWrapper(metadata)) return new Uint8Array(Buffer.from(metadata[WRAPPER_KEY], 'base64'));
  return new TextEncoder().encode(JSON.stringify(metadata));
}

function isWrapper(v: unknown): v is Record<typeof WRAPPER_KEY, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as Record<string, unknown>)[WRAPPER_KEY] === 'string';
}

/** The client's event for a validated event. JSON events go as JSON (KurrentDB projections can read them). */
export function toEventData(e: ValidEvent): EventData {
  const metadata = encodeMetadata(e.metadata);
  if (e.contentType === 'application/json') {
    const data = JSON.parse(new TextDecoder().decode(e.data)) as Record<string, unknown>;
    return jsonEvent({ id: e.id, type: e.type, data, ...(metadata === undefined ? {} : { metadata }) });
  }
  return binaryEvent({ id: e.id, type: e.type, data: e.data, ...(metadata === undefined ? {} : { metadata }) });
}

/** The port's event for a client event; `position` is the commit position (see docs/event-store.md). */
export function fromKurrentEvent(e: KurrentRecordedEvent, commitPosition: bigint | undefined): RecordedEvent {
  const data = e.isJson ? new TextEncoder().encode(JSON.stringify(e.data)) : new Uint8Array(e.data as Uint8Array);
  return {
    id: e.id,
    stream: e.streamId,
    revision: Number(e.revision),
    position: commitPosition ?? e.position?.commit ?? -1n,
    type: e.type,
    data,
    metadata: decodeMetadata(e.metadata),
    contentType: e.isJson ? 'application/json' : 'application/octet-stream',
    recordedAt: e.created,
  };
}

/** Error types worth a reconnect (the client reconnects its channel on the next call). */
export function isTransient(err: unknown): boolean {
  const type = (err as { type?: unknown }).type;
  if (typeof type !== 'string') return true; // transport errors that the client did not classify
  return ['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'unknown', 'cancelled'].includes(type);
}

/** Maps a client error to the port's typed errors. */
export function mapKurrentError(err: unknown, action: string, ctx: { stream?: string; expected?: ExpectedRevision } = {}): EventStoreError {
  if (err instanceof EventStoreError) return err;
  const e = err as { type?: string; message?: string; actualState?: unknown };
  const why = e.message ?? String(err);
  switch (e.type) {
    case 'wrong-expected-version': {
      const actual = typeof e.actualState === 'bigint' && e.actualState >= 0n ? Number(e.actualState) : 'no_stream';
      if (typeof e.actualState === 'bigint' && e.actualState < 0n && e.actualState !== -1n) {
        return new EventStoreError('ERR_EVENT_STORE_STREAM_DELETED', `couldn't ${action}: the stream was deleted`, { cause: err });
      }
      return new ConcurrencyError(ctx.stream ?? '', ctx.expected ?? 'any', actual, { cause: err });
    }
    case 'stream-deleted':
    case 'stream-tombstoned':
      return new EventStoreError('ERR_EVENT_STORE_STREAM_DELETED', `couldn't ${action}: ${why}`, { cause: err });
    case 'access-denied':
      return new EventStoreError('ERR_EVENT_STORE_ACCESS_DENIED', `couldn't ${action}: ${why}`, { cause: err });
    case 'maximum-append-size-exceeded':
    case 'append-record-size-exceeded':
    case 'transaction-max-size-exceeded':
      return new EventStoreError('ERR_EVENT_STORE_EVENT_TOO_LARGE', `couldn't ${action}: ${why}`, { cause: err });
    case 'invalid-argument':
      return new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't ${action}: ${why}`, { cause: err });
    default:
      return new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't ${action}: ${why}`, { cause: err });
  }
}
