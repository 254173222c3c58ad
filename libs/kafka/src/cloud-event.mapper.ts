/**
 * Domain events → integration events (CloudEvents 1.0) → Kafka messages (Kafka protocol binding,
 * binary content mode). Pure: no clock, no I/O; the same stored event always maps to the same
 * messages with the same ids, so a re-sent batch carries the ids consumers already saw.
 */
import { createHash } from 'node:crypto';
import { decodeRecordedEvent, logStream, type CheckpointSigned, type EntryRegistered } from '../../ledger/src/events.js';
import { parseRevocationPayload, REVOCATION_CONTENT_TYPE } from '../../ledger/src/revocation.js';
import { decodeSign1 } from '../../cose/src/sign1.codec.js';
import { toHex } from '../../cose/src/bytes.js';
import { IntegrationEventMappingError } from './kafka.errors.js';
import { IntegrationEventType, type IntegrationEventTypeName } from './integration-event.schemas.js';

/** The part of an event-store `RecordedEvent` the mapping reads (structurally compatible with it). */
export interface StoredEvent {
  readonly stream: string;
  readonly revision: number;
  readonly position: bigint;
  readonly type: string;
  readonly data: Uint8Array;
}

/** A CloudEvent with JSON data, before it is bound to a transport. */
export interface IntegrationEvent {
  /** stable, derived from the log position (see {@link integrationEventId}) */
  readonly id: string;
  readonly source: string;
  readonly type: IntegrationEventTypeName;
  /** RFC 3339: when the fact happened in the ledger (registration / signing time), not when it was published */
  readonly time: string;
  readonly subject: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A Kafka record in CloudEvents binary mode: `ce_*` headers, JSON value, key = log id. */
export interface CloudEventMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

export interface MappingOptions {
  /** Only events of stream `log-<logId>` are mapped; all others map to nothing. */
  readonly logId: string;
  /** CloudEvents `source`; default `/logs/<logId>`. Use the service URL + `/logs/<logId>` for a globally unique source. */
  readonly source?: string;
  /** Where a checkpoint can be fetched; `{treeSize}` is replaced. Default `/checkpoints/{treeSize}`. */
  readonly checkpointHref?: string;
  /**
   * Returns the payload of a registered statement (the COSE_Sign1 `entry`), or null when detached.
   * Needed only for revocation statements. Default: {@link statementPayload}.
   */
  readonly statementPayload?: (entry: Uint8Array) => Uint8Array | null;
}

/** The outcome of mapping one stored event. `skipped` says why an expected event was not produced. */
export interface MappingResult {
  readonly events: IntegrationEvent[];
  readonly skipped: string[];
}

/** The payload of a registered statement (a COSE_Sign1), or null when it is detached. */
export function statementPayload(entry: Uint8Array): Uint8Array | null {
  return decodeSign1(entry).payload;
}


/**
 * The stable CloudEvents id of an integration event: `<logId>:entry:<index>`,
 * `<logId>:checkpoint:<treeSize>` or `<logId>:revocation:<revocationIndex>:<revokedEntryId>`.
 * A log index names one entry forever and a tree size one checkpoint, so the id survives
 * re-publication, replays and moving the log to another event-store adapter.
 */
export function integrationEventId(logId: string, kind: 'entry' | 'checkpoint', n: number): string;
export function integrationEventId(logId: string, kind: 'revocation', n: number, revokedEntryId: string): string;
export function integrationEventId(logId: string, kind: 'entry' | 'checkpoint' | 'revocation', n: number, revokedEntryId?: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new IntegrationEventMappingError(`couldn't build event id: ${n} is not a log position`);
  return kind === 'revocation' ? `${logId}:revocation:${n}:${revokedEntryId}` : `${logId}:${kind}:${n}`;
}

function entryEvents(logId: string, source: string, e: EntryRegistered, opts: MappingOptions): MappingResult {
  const registered: IntegrationEvent = {
    id: integrationEventId(logId, 'entry', e.index),
    source,
    type: IntegrationEventType.EntryRegistered,
    time: e.registeredAt,
    subject: `entries/${e.entryId}`,
    data: {
      logId,
      entryId: e.entryId,
      index: e.index,
      iss: e.iss,
      sub: e.sub,
      contentType: e.contentType,
      kid: e.kid,
      registeredAt: e.registeredAt,
      leafHash: toHex(e.leafHash),
    },
  };
  if (e.contentType !== REVOCATION_CONTENT_TYPE) return { events: [registered], skipped: [] };
  let revokes: readonly string[];
  let reason: string;
  try {
    ({ revokes, reason } = parseRevocationPayload((opts.statementPayload ?? statementPayload)(e.entry)));
  } catch (cause) {
    // Admission validates revocations, so this is a statement from before that rule (or a bug).
    // The entry itself is still published; the claim-revoked events cannot be.
    const why = cause instanceof Error ? cause.message : String(cause);
    return { events: [registered], skipped: [`entry ${e.index} (${e.entryId}): revocation not published: ${why}`] };
  }
  const revoked = revokes.map(
    (id): IntegrationEvent => ({
      id: integrationEventId(logId, 'revocation', e.index, id),
      source,
      type: IntegrationEventType.ClaimRevoked,
      time: e.registeredAt,
      subject: `entries/${id}`,
      data: {
        logId,
        revokedEntryId: id,
        revocationEntryId: e.entryId,
        revocationIndex: e.index,
        iss: e.iss,
        reason,
        revokedAt: e.registeredAt,
      },
    }),
  );
  return { events: [registered, ...revoked], skipped: [] };
}

function checkpointEvent(logId: string, source: string, c: CheckpointSigned, opts: MappingOptions): IntegrationEvent {
  const href = (opts.checkpointHref ?? '/checkpoints/{treeSize}').replace('{treeSize}', String(c.treeSize));
  return {
    id: integrationEventId(logId, 'checkpoint', c.treeSize),
    source,
    type: IntegrationEventType.CheckpointSigned,
    time: c.signedAt,
    subject: `checkpoints/${c.treeSize}`,
    data: {
      logId,
      treeSize: c.treeSize,
      root: toHex(c.root),
      signedAt: c.signedAt,
      signature: { href, sha256: createHash('sha256').update(c.signature).digest('hex') },
    },
  };
}

/**
 * Maps one stored domain event to the integration events it publishes: `EntryRegistered` → one
 * entry-registered event (plus one claim-revoked event per revoked entry when the statement is a
 * revocation), `CheckpointSigned` → one checkpoint-signed event; every other event type (service
 * keys, policy changes) and every other stream → none. Throws {@link IntegrationEventMappingError}
 * when a log event cannot be decoded: the publisher must stop there rather than skip a fact.
 *
 * @example
 * ```ts
 * const { events } = toIntegrationEvents(recorded, { logId: 'main' });
 * const messages = events.map((ev) => toCloudEventMessage(ev, 'main'));
 * ```
 */
export function toIntegrationEvents(stored: StoredEvent, opts: MappingOptions): MappingResult {
  const { logId } = opts;
  if (stored.stream !== logStream(logId)) return { events: [], skipped: [] };
  if (stored.type !== 'EntryRegistered' && stored.type !== 'CheckpointSigned') return { events: [], skipped: [] };
  const source = opts.source ?? `/logs/${logId}`;
  let event;
  try {
    event = decodeRecordedEvent(stored);
  } catch (cause) {
    throw new IntegrationEventMappingError(
      `couldn't map ${stored.type} at ${stored.stream}@${stored.revision} (position ${stored.position}): the stored data does not decode`,
      { cause },
    );
  }
  if (event.type === 'EntryRegistered') return entryEvents(logId, source, event, opts);
  if (event.type === 'CheckpointSigned') return { events: [checkpointEvent(logId, source, event, opts)], skipped: [] };
  return { events: [], skipped: [] };
}

/**
 * Binds an integration event to Kafka in CloudEvents binary content mode: attributes as `ce_*`
 * headers, `content-type: application/json`, the data as the UTF-8 JSON value, and `key` (the log
 * id) as the record key so every event of a log lands on one partition, in log order.
 */
export function toCloudEventMessage(ev: IntegrationEvent, key: string): CloudEventMessage {
  return {
    key,
    value: Buffer.from(JSON.stringify(ev.data), 'utf8'),
    headers: {
      ce_specversion: '1.0',
      ce_id: ev.id,
      ce_source: ev.source,
      ce_type: ev.type,
      ce_time: ev.time,
      ce_subject: ev.subject,
      'content-type': 'application/json',
    },
  };
}
