/**
 * Input checks shared by every adapter, so that all of them refuse the same bad input with the
 * same code before anything is written.
 */
import { randomUUID } from 'node:crypto';
import { EventStoreError } from './event-store.errors.js';
import type { EventContentType, ExpectedRevision, NewEvent, ReadStreamOptions } from './event-store.port.js';

/** Default limit on one event's data + metadata: 4 MiB. */
export const DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024;
export const MAX_STREAM_NAME_BYTES = 512;
export const MAX_EVENT_TYPE_BYTES = 256;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textProblem(value: unknown, maxBytes: number): string | undefined {
  if (typeof value !== 'string') return 'not a string';
  if (value.length === 0) return 'empty';
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate';
  if (CONTROL.test(value)) return 'contains a control character';
  const n = Buffer.byteLength(value, 'utf8'); // no lone surrogates (checked above): the exact UTF-8 length, without encoding
  if (n > maxBytes) return `${n} UTF-8 bytes, more than ${maxBytes}`;
  if (value.startsWith('$')) return "starts with '$' (reserved for system streams)";
  return undefined;
}

/** Throws `ERR_EVENT_STORE_INVALID_STREAM` unless `stream` is a valid user stream name. */
export function checkStreamName(stream: unknown): asserts stream is string {
  const why = textProblem(stream, MAX_STREAM_NAME_BYTES);
  if (why) {
    throw new EventStoreError('ERR_EVENT_STORE_INVALID_STREAM', `couldn't use stream name ${safeQuote(stream)}: ${why}`);
  }
}

/** Throws `ERR_EVENT_STORE_INVALID_ARGUMENT` unless `expected` is a valid {@link ExpectedRevision}. */
export function checkExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new EventStoreError(
    'ERR_EVENT_STORE_INVALID_ARGUMENT',
    `couldn't use expected revision ${safeQuote(expected)}: a non-negative safe integer, 'no_stream', 'stream_exists' or 'any' is required`,
  );
}

/** An event after validation: id filled in, metadata and content type defaulted, bytes copied. */
export interface ValidEvent {
  readonly id: string;
  readonly type: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  readonly contentType: EventContentType;
}

/**
 * Validates a whole append before anything is written (so a bad event anywhere in a batch leaves
 * nothing) and returns private copies of the bytes, so a caller that reuses its buffers cannot
 * change what was stored. `checkJson: false` skips the compact-JSON check (decode, parse and
 * re-serialise each JSON event) for a caller whose store checks again before writing.
 * `copyBelow: n` leaves bytes shorter than n uncopied (the caller's own arrays): only for a store
 * that copies them itself before it returns to its caller — SQLite binding them in the same
 * synchronous transaction, a worker's `postMessage` cloning them. Each copy is an ArrayBuffer with
 * memory of its own, which costs ≈ 0.9 µs to allocate, sweep and free (docs/benchmarks.md, #17
 * eleventh pass); empty bytes are one shared empty array.
 */
export function validateAppend(
  stream: unknown,
  events: unknown,
  expected: unknown,
  maxEventBytes: number,
  opts: { readonly checkJson?: boolean; readonly copyBelow?: number } = {},
): ValidEvent[] {
  checkStreamName(stream);
  checkExpectedRevision(expected);
  if (!Array.isArray(events) || events.length === 0) {
    throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't append to stream ${safeQuote(stream)}: at least one event is required`);
  }
  const checkJson = opts.checkJson ?? true;
  const copyBelow = opts.copyBelow ?? 0;
  return events.map((e: NewEvent, i) => validateEvent(e, i, stream, maxEventBytes, checkJson, copyBelow));
}

/** No bytes, shared: nothing can be written into a zero-length array. */
const NO_BYTES = new Uint8Array(0);

/** A private copy of `b` unless it is shorter than `copyBelow` (see {@link validateAppend}). */
const own = (b: Uint8Array, copyBelow: number): Uint8Array => (b.length === 0 ? NO_BYTES : b.length < copyBelow ? b : new Uint8Array(b));

function validateEvent(e: NewEvent, i: number, stream: string, maxEventBytes: number, checkJson: boolean, copyBelow: number): ValidEvent {
  const where = `event ${i} of the append to ${JSON.stringify(stream)}`;
  function bad(why: string): never {
    throw new EventStoreError('ERR_EVENT_STORE_INVALID_EVENT', `couldn't append ${where}: ${why}`);
  }
  if (typeof e !== 'object' || e === null) bad('not an object');
  const typeProblem = textProblem(e.type, MAX_EVENT_TYPE_BYTES);
  if (typeProblem) bad(`type ${safeQuote(e.type)} is ${typeProblem}`);
  if (!(e.data instanceof Uint8Array)) bad('data is not a Uint8Array');
  if (e.metadata !== undefined && !(e.metadata instanceof Uint8Array)) bad('metadata is not a Uint8Array');
  const contentType = e.contentType ?? 'application/octet-stream';
  if (contentType !== 'application/json' && contentType !== 'application/octet-stream') bad(`content type ${safeQuote(contentType)} is not supported`);
  if (e.id !== undefined && (typeof e.id !== 'string' || !UUID.test(e.id))) bad(`id ${safeQuote(e.id)} is not a UUID`);
  const size = e.data.length + (e.metadata?.length ?? 0);
  if (size > maxEventBytes) {
    throw new EventStoreError('ERR_EVENT_STORE_EVENT_TOO_LARGE', `couldn't append ${where}: ${size} bytes of data and metadata, more than the limit of ${maxEventBytes}`);
  }
  if (checkJson && contentType === 'application/json') {
    const why = compactJsonProblem(e.data);
    if (why) bad(`JSON data ${why}`);
  }
  return {
    id: (e.id ?? randomUUID()).toLowerCase(),
    type: e.type,
    data: own(e.data, copyBelow),
    metadata: e.metadata ? own(e.metadata, copyBelow) : NO_BYTES,
    contentType,
  };
}

/** Why `bytes` is not compact UTF-8 JSON exactly as `JSON.stringify` writes it, or undefined. */
export function compactJsonProblem(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return 'is not valid UTF-8';
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not valid JSON';
  }
  if (JSON.stringify(value) !== text) return 'is not in the compact form JSON.stringify produces';
  return undefined;
}

/** Normalised {@link ReadStreamOptions}. */
export interface ReadStreamPlan {
  readonly forward: boolean;
  /** First revision to return, or 'start' / 'end'. */
  readonly from: number | 'start' | 'end';
  readonly maxCount: number;
}

/** Validates read options: `ERR_EVENT_STORE_INVALID_ARGUMENT` on nonsense. */
export function planReadStream(stream: unknown, opts: ReadStreamOptions = {}): ReadStreamPlan {
  checkStreamName(stream);
  const direction = opts.direction ?? 'forward';
  if (direction !== 'forward' && direction !== 'backward') invalidArg(`direction ${safeQuote(direction)}`);
  const forward = direction === 'forward';
  const from = opts.from ?? (forward ? 'start' : 'end');
  if (from !== 'start' && from !== 'end' && !(Number.isSafeInteger(from) && from >= 0)) invalidArg(`from ${safeQuote(from)}`);
  const maxCount = opts.maxCount ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) invalidArg(`maxCount ${safeQuote(maxCount)}`);
  return { forward, from, maxCount };
}

/** Validates `readAll` / `subscribeToAll` arguments. */
export function checkAfter(after: unknown, maxCount?: unknown): void {
  if (after !== undefined && (typeof after !== 'bigint' || after < 0n)) invalidArg(`after ${safeQuote(after)} (a non-negative bigint is required)`);
  if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || (maxCount as number) < 1)) invalidArg(`maxCount ${safeQuote(maxCount)}`);
}

function invalidArg(what: string): never {
  throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't read: invalid ${what}`);
}

function safeQuote(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}
