/**
 * The ledger's domain events: the only source of truth (docs/events.md).
 *
 * Wire format (docs/events.md): UTF-8 JSON, binary fields as unpadded base64url, integers as
 * JSON numbers (safe integers), times as RFC 3339 strings (`v: 1`) — except `EntryRegistered` as
 * the service writes it since 2026-12 (`v: 2`): the same members as a deterministic CBOR map, the
 * binary ones as byte strings (content type `application/octet-stream`). Readers take both: the
 * first byte tells them apart (`{` for JSON, a CBOR map's head for v2). Event type names are the
 * stable strings below, never class names. A changed shape gets a new `v` and an upcaster here.
 */
import { CborWriter, decodeCbor, encodeCbor } from '../../cose/src/index.js';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { JsonDuplicateKeyError, parseJsonStrict } from './strict-json.js';

export const EventType = {
  EntryRegistered: 'EntryRegistered',
  CheckpointSigned: 'CheckpointSigned',
  ServiceKeyAdded: 'ServiceKeyAdded',
  PolicyChanged: 'PolicyChanged',
} as const;
export type EventTypeName = (typeof EventType)[keyof typeof EventType];

/** A signed statement appended to the log at `index`. `entry` is the tagged COSE_Sign1 with an empty unprotected header. */
export interface EntryRegistered {
  readonly type: 'EntryRegistered';
  readonly index: number;
  /** lowercase hex SHA-256(entry) */
  readonly entryId: string;
  /** SHA-256(0x00 ‖ entry) */
  readonly leafHash: Uint8Array;
  readonly entry: Uint8Array;
  readonly iss: string;
  readonly sub: string;
  /** protected header 3 (or 259 for hash envelopes), as text; '' when absent */
  readonly contentType: string;
  /** the issuer key id: kid (hex of the bstr) or 'x5t:<hex sha256 of the leaf certificate>' */
  readonly kid: string;
  /** RFC 3339 */
  readonly registeredAt: string;
}

/** A signed tree head: one per sequencing batch. The receipts of that batch share this signature. */
export interface CheckpointSigned {
  readonly type: 'CheckpointSigned';
  readonly treeSize: number;
  readonly root: Uint8Array;
  /** the receipt's protected header bytes, exactly as signed */
  readonly protectedHeader: Uint8Array;
  readonly signature: Uint8Array;
  readonly signedAt: string;
}

/** A service signing key came into use (its public COSE_Key, kid = RFC 9679 thumbprint). */
export interface ServiceKeyAdded {
  readonly type: 'ServiceKeyAdded';
  readonly kid: Uint8Array;
  /** the public COSE_Key, deterministic CBOR */
  readonly coseKey: Uint8Array;
  readonly addedAt: string;
}

/** The registration policy in force changed; `policy` is its canonical JSON text, `digest` its SHA-256 hex. */
export interface PolicyChanged {
  readonly type: 'PolicyChanged';
  readonly digest: string;
  readonly policy: string;
  readonly changedAt: string;
}

export type LedgerEvent = EntryRegistered | CheckpointSigned | ServiceKeyAdded | PolicyChanged;

const BINARY: Record<EventTypeName, readonly string[]> = {
  EntryRegistered: ['leafHash', 'entry'],
  CheckpointSigned: ['root', 'protectedHeader', 'signature'],
  ServiceKeyAdded: ['kid', 'coseKey'],
  PolicyChanged: [],
};

export function isLedgerEventType(type: string): type is EventTypeName {
  return Object.prototype.hasOwnProperty.call(BINARY, type);
}

/** Serialise an event's data (without `type`, which travels as the store's event type). */
export function encodeEventData(event: LedgerEvent): Uint8Array {
  if (event.type === 'EntryRegistered' && Object.keys(event).length === ENTRY_REGISTERED_KEYS) return utf8.encode(entryRegisteredJson(event));
  const out: Record<string, unknown> = { v: 1 };
  const binary = BINARY[event.type];
  for (const [k, v] of Object.entries(event)) {
    if (k === 'type') continue;
    out[k] = binary.includes(k) ? toBase64Url(v as Uint8Array) : v;
  }
  return utf8.encode(JSON.stringify(out));
}

const utf8 = new TextEncoder();
/** `type` and the nine fields of {@link EntryRegistered} */
const ENTRY_REGISTERED_KEYS = 10;

/**
 * The one event written per registration, written directly: the same text `JSON.stringify` makes of
 * the generic form (members in the interface's order, which is the order the decider builds them
 * in; the unit test compares both byte for byte), without building the intermediate object.
 */
function entryRegisteredJson(e: EntryRegistered): string {
  const q = JSON.stringify;
  return `{"v":1,"index":${q(e.index)},"entryId":${q(e.entryId)},"leafHash":"${toBase64Url(e.leafHash)}","entry":"${toBase64Url(e.entry)}","iss":${q(e.iss)},"sub":${q(e.sub)},"contentType":${q(e.contentType)},"kid":${q(e.kid)},"registeredAt":${q(e.registeredAt)}}`;
}

/** The content type of an event stored as CBOR ({@link toStoredEvent}). */
export const CBOR_EVENT_CONTENT_TYPE = 'application/octet-stream';

/** `EntryRegistered` v2's members, in the order of the interface (the encoding sorts them). */
const ENTRY_REGISTERED_V2 = ['v', 'index', 'entryId', 'leafHash', 'entry', 'iss', 'sub', 'contentType', 'kid', 'registeredAt'] as const;

/**
 * An event as the service stores it: `EntryRegistered` as deterministic CBOR (v2: the JSON form's
 * base64 text, its check on append and its parse on every read cost ≈ 20 µs a registration across
 * three threads, docs/benchmarks.md #17 sixteenth pass), every other event as JSON (v1).
 */
export function toStoredEvent(event: LedgerEvent): StoredEvent {
  const { type } = event;
  return isV2(event) ? { type, data: encodeCbor(v2Members(event)), contentType: CBOR_EVENT_CONTENT_TYPE } : { type, data: encodeEventData(event), contentType: 'application/json' };
}

/** An event's type, bytes and content type as stored (an event store's new event). */
export interface StoredEvent {
  readonly type: LedgerEvent['type'];
  readonly data: Uint8Array;
  readonly contentType: 'application/json' | typeof CBOR_EVENT_CONTENT_TYPE;
}

/** An EntryRegistered with a member v2 does not know goes as JSON, the member kept (as encodeEventData keeps it). */
const isV2 = (event: LedgerEvent): event is EntryRegistered => event.type === 'EntryRegistered' && Object.keys(event).length === ENTRY_REGISTERED_KEYS;

function v2Members(event: EntryRegistered): Record<string, unknown> {
  const { type: _type, ...members } = event; // exactly the nine members (checked by isV2)
  return { v: 2, ...members };
}

/** Events with an entry larger than this are written to bytes of their own by {@link toStoredEvents}. */
const PACKED_ENTRY_MAX = 16 * 1024;

/**
 * {@link toStoredEvent} of a batch, the same bytes, with the events' data as views into one
 * buffer: one ArrayBuffer for the batch instead of one per event, here and again where a worker
 * receives the batch (a structured clone copies a shared buffer once, not once per view). An
 * ArrayBuffer of its own costs ≈ 2–4 µs of CPU to allocate and free (docs/benchmarks.md, #17
 * seventeenth pass). An event with a large entry (over 16 KiB) gets bytes of its own, so that a
 * store may hand it over whole (the SQLite worker transfers large events instead of copying them).
 */
export function toStoredEvents(events: readonly LedgerEvent[]): StoredEvent[] {
  const w = new CborWriter(events.length * 2048);
  const ends: number[] = [];
  const out: (StoredEvent | undefined)[] = [];
  for (const event of events) {
    if (isV2(event) && event.entry.length <= PACKED_ENTRY_MAX) {
      w.value(v2Members(event), 0);
      out.push(undefined);
    } else {
      out.push(toStoredEvent(event));
    }
    ends.push(w.length);
  }
  const all = w.finish();
  return out.map((e, i) => e ?? { type: 'EntryRegistered', data: all.subarray(i === 0 ? 0 : ends[i - 1], ends[i]), contentType: CBOR_EVENT_CONTENT_TYPE });
}

export class EventDecodeError extends Error {
  readonly code = 'ERR_EVENT_DECODE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventDecodeError';
  }
}

/** Parse a stored event back into a {@link LedgerEvent}; throws {@link EventDecodeError} on anything unexpected. */
export function decodeEventData(type: string, data: Uint8Array): LedgerEvent {
  if (!isLedgerEventType(type)) throw new EventDecodeError(`couldn't decode event: unknown type ${JSON.stringify(type)}`);
  if (data.length > 0 && data[0] !== 0x7b /* { */) return decodeCborEvent(type, data);
  let obj: Record<string, unknown>;
  try {
    obj = parseJsonStrict(new TextDecoder('utf-8', { fatal: true }).decode(data)) as Record<string, unknown>;
  } catch (cause) {
    throw new EventDecodeError(`couldn't decode ${type}: ${cause instanceof JsonDuplicateKeyError ? cause.message : 'not UTF-8 JSON'}`, { cause });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new EventDecodeError(`couldn't decode ${type}: not an object`);
  const { v, ...rest } = obj;
  if (v !== 1) throw new EventDecodeError(`couldn't decode ${type}: unsupported version ${String(v)}`);
  const out: Record<string, unknown> = { type };
  for (const [k, val] of Object.entries(rest)) {
    if (BINARY[type].includes(k)) {
      if (typeof val !== 'string') throw new EventDecodeError(`couldn't decode ${type}: ${k} is not base64url`);
      out[k] = fromBase64Url(val);
    } else {
      out[k] = val;
    }
  }
  return out as unknown as LedgerEvent;
}

/** A stored event that is not JSON: `EntryRegistered` v2, strictly (exactly its members, each of its type). */
function decodeCborEvent(type: string, data: Uint8Array): LedgerEvent {
  if (type !== 'EntryRegistered') throw new EventDecodeError(`couldn't decode ${type}: not UTF-8 JSON (only EntryRegistered is stored as CBOR)`);
  let obj: unknown;
  try {
    // deterministic-CBOR rules the decoder holds to: no duplicate keys, definite lengths, shortest heads, no trailing bytes;
    // `entry` and `leafHash` are views into the event's data, which is not changed after it is read
    obj = decodeCbor(data, { maxDepth: 2, floats: 'reject', byteStrings: 'view' });
  } catch (cause) {
    throw new EventDecodeError(`couldn't decode ${type}: not UTF-8 JSON nor strict CBOR (${(cause as Error).message})`, { cause });
  }
  const bad = (why: string): never => {
    throw new EventDecodeError(`couldn't decode ${type} v2: ${why}`);
  };
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Uint8Array || obj instanceof Map) bad('not a map with text keys');
  const o = obj as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== ENTRY_REGISTERED_V2.length || !ENTRY_REGISTERED_V2.every((k) => Object.prototype.hasOwnProperty.call(o, k))) {
    bad(`members ${JSON.stringify(keys.slice(0, 20))}, want ${JSON.stringify(ENTRY_REGISTERED_V2)}`);
  }
  if (o.v !== 2) bad(`unsupported version ${String(o.v)}`);
  if (typeof o.index !== 'number' || !Number.isSafeInteger(o.index) || o.index < 0) bad('index is not a non-negative integer');
  for (const k of ['leafHash', 'entry'] as const) if (!(o[k] instanceof Uint8Array)) bad(`${k} is not a byte string`);
  for (const k of ['entryId', 'iss', 'sub', 'contentType', 'kid', 'registeredAt'] as const) if (typeof o[k] !== 'string') bad(`${k} is not a text string`);
  const { v: _v, ...members } = o; // exactly the event's members, each checked above
  return { type: 'EntryRegistered', ...members } as unknown as EntryRegistered;
}

const decodedByData = new WeakMap<Uint8Array, LedgerEvent>();

/**
 * {@link decodeEventData} of a recorded event, once per event object: the result is remembered
 * with the event's `data` (weakly) and returned again to the next caller, so processors that share
 * the pages they read (the SQLite store's `recentEvents`) decode each event once. The result is
 * shared between those callers: treat it, and its byte arrays, as read-only.
 */
export function decodeRecordedEvent(e: { readonly type: string; readonly data: Uint8Array }): LedgerEvent {
  const held = decodedByData.get(e.data);
  if (held !== undefined && held.type === e.type) return held;
  const decoded = decodeEventData(e.type, e.data);
  decodedByData.set(e.data, decoded);
  return decoded;
}

/** The stream that holds log `logId`. */
export function logStream(logId: string): string {
  return `log-${logId}`;
}
