/**
 * The KurrentDB / EventStoreDB adapter (production: a replicated cluster holds the log), on
 * `@kurrent/kurrentdb-client` — the maintained successor of `@eventstore/db-client`, speaking the
 * same gRPC protocol, so it also works against EventStoreDB 20+.
 *
 * - Expected revision → the client's `streamState` (`NO_STREAM`, `ANY`, `STREAM_EXISTS`, bigint);
 *   `WrongExpectedVersionError` → {@link ConcurrencyError}. KurrentDB appends are atomic.
 * - Positions are commit positions (bigint). For resuming from a bare bigint the adapter uses
 *   `{ commit: p, prepare: p }`, which is exact for every event written by a normal append
 *   (KurrentDB gives each such event equal commit and prepare positions).
 * - Durability: the server acknowledges an append once it is written (and, in a cluster, once a
 *   quorum has it). An `ERR_EVENT_STORE_UNAVAILABLE` append may or may not have happened: retrying
 *   it with the same event ids and the same expected revision is idempotent on KurrentDB.
 * - Reconnection: the client re-establishes its channel on the next call after a failure;
 *   subscriptions resubscribe from their last delivered position (see kurrentdb.subscription.ts).
 */
import { BACKWARDS, END, FORWARDS, KurrentDBClient, START, excludeSystemEvents, type ReadRevision } from '@kurrent/kurrentdb-client';
import { EventStoreError } from './event-store.errors.js';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from './event-store.port.js';
import { DEFAULT_MAX_EVENT_BYTES, checkAfter, planReadStream, validateAppend } from './event-validation.js';
import { fromKurrentEvent, mapKurrentError, toEventData, toStreamState } from './kurrentdb.mapping.js';
import { KurrentSubscription, type KurrentSubscriptionTuning } from './kurrentdb.subscription.js';
import { matchesFilter } from './paged.subscription.js';

export interface KurrentDbEventStoreOptions extends KurrentSubscriptionTuning {
  /** e.g. `kurrentdb://admin:changeit@localhost:2113?tls=false` (or `esdb://…`). */
  connectionString: string;
  /** Limit on one event's data + metadata (default 4 MiB; the server's own default limit per append is 16 MiB). */
  maxEventBytes?: number;
}

/**
 * Connects to KurrentDB and checks the connection by reading the head of `$all`.
 *
 * @example
 * ```ts
 * const store = await openKurrentDbEventStore({ connectionString: process.env.KURRENTDB_CONNECTION_STRING! });
 * ```
 */
export async function openKurrentDbEventStore(opts: KurrentDbEventStoreOptions): Promise<EventStore> {
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(opts.connectionString);
  } catch (err) {
    throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't connect to KurrentDB: invalid connection string: ${(err as Error).message}`, { cause: err });
  }
  const store = new KurrentDbEventStore(client, opts);
  try {
    await store.headPosition();
  } catch (err) {
    await client.dispose().catch(() => undefined);
    throw err;
  }
  return store;
}

class KurrentDbEventStore implements EventStore {
  readonly #client: KurrentDBClient;
  readonly #opts: KurrentDbEventStoreOptions;
  readonly #subs = new Set<KurrentSubscription>();
  #closed = false;

  constructor(client: KurrentDBClient, opts: KurrentDbEventStoreOptions) {
    this.#client = client;
    this.#opts = opts;
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.#open();
    const valid = validateAppend(stream, events, expected, this.#opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
    let r;
    try {
      r = await this.#client.appendToStream(stream, valid.map(toEventData), { streamState: toStreamState(expected) });
    } catch (err) {
      throw mapKurrentError(err, `append to stream ${JSON.stringify(stream)}`, { stream, expected });
    }
    if (!r.position) {
      throw new EventStoreError('ERR_EVENT_STORE_INTERNAL', `couldn't append to stream ${JSON.stringify(stream)}: the server reported no position (KurrentDB/EventStoreDB 20+ is required)`);
    }
    return { nextExpectedRevision: Number(r.nextExpectedRevision), position: r.position.commit };
  }

  async *readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const plan = planReadStream(stream, opts);
    this.#open();
    if (plan.maxCount === 0 || (plan.forward && plan.from === 'end')) return;
    const fromRevision: ReadRevision = plan.from === 'start' ? START : plan.from === 'end' ? END : BigInt(plan.from);
    try {
      for await (const resolved of this.#client.readStream(stream, { fromRevision, direction: plan.forward ? FORWARDS : BACKWARDS, maxCount: plan.maxCount })) {
        if (resolved.event) yield fromKurrentEvent(resolved.event, resolved.event.position?.commit ?? resolved.commitPosition);
      }
    } catch (err) {
      if ((err as { type?: string }).type === 'stream-not-found') return;
      throw mapKurrentError(err, `read stream ${JSON.stringify(stream)}`);
    }
  }

  async readAll(opts: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    checkAfter(opts.after, opts.maxCount);
    this.#open();
    const after = opts.after ?? 0n;
    const maxCount = opts.maxCount ?? 1000;
    const out: RecordedEvent[] = [];
    try {
      // fromPosition is inclusive: read one more and drop what is not after `after`
      const fromPosition = after === 0n ? START : { commit: after, prepare: after };
      for await (const resolved of this.#client.readAll({ fromPosition, maxCount: maxCount + 1, filter: excludeSystemEvents() })) {
        const e = resolved.event;
        if (!e || e.position.commit <= after) continue;
        const rec = fromKurrentEvent(e, e.position.commit);
        if (matchesFilter(rec, undefined)) out.push(rec);
        if (out.length === maxCount) break;
      }
    } catch (err) {
      throw mapKurrentError(err, 'read $all');
    }
    return out;
  }

  async headPosition(): Promise<bigint> {
    this.#open();
    try {
      for await (const resolved of this.#client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1, filter: excludeSystemEvents() })) {
        if (resolved.event) return resolved.event.position.commit;
      }
      return 0n;
    } catch (err) {
      throw mapKurrentError(err, 'read the head of $all');
    }
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    this.#open();
    const sub = new KurrentSubscription(this.#client, opts, this.#opts, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#subs]) await s.close();
    await this.#client.dispose().catch(() => undefined);
  }

  #open(): void {
    if (this.#closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', "couldn't use the KurrentDB event store: it is closed");
  }
}
