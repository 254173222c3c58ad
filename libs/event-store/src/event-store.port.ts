/**
 * The event store port: the ledger's only source of truth (docs/event-store.md, docs/events.md).
 *
 * Every adapter (in-memory, embedded SQLite, KurrentDB) passes the same contract suite
 * (`runEventStoreContract`), so code written against {@link EventStore} never needs to know
 * which one runs underneath.
 */

/**
 * What the caller believes the stream's state is before an append.
 * - a number: the revision of the stream's last event (the first event has revision 0);
 * - `'no_stream'`: the stream must not exist yet;
 * - `'stream_exists'`: the stream must have at least one event;
 * - `'any'`: no check (never use it for the log: a lost race would fork it).
 */
export type ExpectedRevision = number | 'no_stream' | 'any' | 'stream_exists';

/** The two content types an event may declare. JSON data must be what `JSON.stringify` produces (see {@link EventStore.append}). */
export type EventContentType = 'application/json' | 'application/octet-stream';

/** An event to append. `type` is a stable string chosen by the domain, never a class name. */
export interface NewEvent {
  /** A UUID; generated when absent. */
  readonly id?: string;
  readonly type: string;
  readonly data: Uint8Array;
  readonly metadata?: Uint8Array;
  /** Defaults to `'application/octet-stream'`. */
  readonly contentType?: EventContentType;
}

/** An event as stored: the bytes exactly as appended, plus where it sits. */
export interface RecordedEvent {
  readonly id: string;
  readonly stream: string;
  /** Its index in the stream: 0, 1, 2 … without gaps. */
  readonly revision: number;
  /** Global position: strictly increasing in commit order; gaps are allowed (KurrentDB commit positions are byte offsets). */
  readonly position: bigint;
  readonly type: string;
  readonly data: Uint8Array;
  /** Empty when the event was appended without metadata. */
  readonly metadata: Uint8Array;
  readonly contentType: string;
  readonly recordedAt: Date;
}

/** The outcome of a successful append. */
export interface AppendResult {
  /** The revision of the stream's last event now: pass it as `expected` in the next append. */
  readonly nextExpectedRevision: number;
  /** The global position of the last event appended. */
  readonly position: bigint;
}

/** Where and how to read one stream. */
export interface ReadStreamOptions {
  /** The first revision to return (inclusive); `'start'` (default for forward) or `'end'` (default for backward). */
  from?: number | 'start' | 'end';
  direction?: 'forward' | 'backward';
  /** At most this many events (default: all). */
  maxCount?: number;
}

/** One page of `$all`. */
export interface ReadAllOptions {
  /** Exclusive: only events with `position > after`. Omitted = from the start. */
  after?: bigint;
  /** Page size (default 1000). */
  maxCount?: number;
}

/** Which events a subscription delivers. Both lists are optional; an event must match each list given. */
export interface SubscriptionFilter {
  /** Deliver only events whose stream name starts with one of these. */
  streamPrefixes?: string[];
  /** Deliver only events whose type is one of these (exact match). */
  types?: string[];
}

/** Where a subscription starts and what it delivers. */
export interface SubscribeToAllOptions {
  /** Exclusive: deliver events with `position > after`; omitted = from the start. Pass a stored checkpoint here to resume. */
  after?: bigint;
  filter?: SubscriptionFilter;
}

/**
 * A catch-up-then-live subscription to `$all`: iterate it with `for await`. Pull-based: the
 * adapter reads ahead at most one bounded page, so a slow consumer never makes memory grow.
 * Iteration ends (done) after `close()`, after the store is closed, or when the loop breaks.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

/**
 * The event store.
 *
 * Guarantees every adapter gives (and the contract suite checks):
 * - **Durability on return.** When `append` resolves, its events survive a process crash (and,
 *   for the embedded store, a power loss: the write-ahead log is fsynced before the commit is
 *   acknowledged). When it rejects, nothing of it was stored — except for
 *   `ERR_EVENT_STORE_UNAVAILABLE`, where the outcome is unknown: re-read before retrying.
 * - **Atomicity.** The events of one `append` are stored all together or not at all, with
 *   consecutive revisions and increasing positions; no reader ever sees part of an append.
 * - **Optimistic concurrency.** The expected revision is checked inside the write; of several
 *   appends racing with the same expected revision exactly one wins, the others reject with a
 *   {@link ConcurrencyError} carrying the expected and the actual revision.
 * - **Ordering.** Within a stream, revisions are 0, 1, 2 … without gaps. Across streams, the
 *   global `position` strictly increases in commit order, and `readAll` / `subscribeToAll`
 *   deliver events in that order, without gaps or duplicates — also across a subscription's
 *   switch from catch-up to live, and when resuming after a stored position.
 * - **Bytes are exact.** `data` and `metadata` come back byte for byte. JSON events
 *   (`contentType: 'application/json'`) must carry compact UTF-8 JSON exactly as
 *   `JSON.stringify` produces it, so that every adapter (KurrentDB re-serialises JSON) returns the
 *   same bytes; anything else is rejected as `ERR_EVENT_STORE_INVALID_EVENT`.
 * - **Bad input is refused, never stored.** Stream names must be 1–512 UTF-8 bytes of
 *   well-formed text without control characters and must not start with `$` (reserved for
 *   system streams); event types likewise (1–256 bytes); ids must be UUIDs; an event's
 *   data + metadata may not exceed the store's `maxEventBytes`. Violations raise an
 *   {@link EventStoreError} with a stable `code`.
 * - **System streams** (`$…`) are never returned by `readAll` or `subscribeToAll`.
 */
export interface EventStore {
  /**
   * Appends `events` to `stream` atomically if the stream is at `expected`.
   *
   * @example
   * ```ts
   * const r = await store.append('log-1', [{ type: 'EntryRegistered', data }], 'no_stream');
   * await store.append('log-1', [{ type: 'CheckpointSigned', data: cp }], r.nextExpectedRevision);
   * ```
   */
  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Reads one stream forward or backward from a revision. A missing stream yields nothing. */
  readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** One page of all (non-system) events with `position > after`, in position order. */
  readAll(opts?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The position of the last (non-system) event in the store, `0n` when empty. */
  headPosition(): Promise<bigint>;
  /** Catch-up then live: see {@link Subscription}. Excludes system (`$…`) streams and event types. */
  subscribeToAll(opts?: SubscribeToAllOptions): Subscription;
  /** Ends open subscriptions and releases the store; later calls reject with `ERR_EVENT_STORE_CLOSED`. */
  close(): Promise<void>;
}
