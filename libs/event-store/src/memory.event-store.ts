/**
 * The in-memory adapter: for fast unit tests of code built on the port. It passes the same
 * contract suite as the durable adapters, except durability itself: nothing survives the process.
 */
import { ConcurrencyError, EventStoreError } from './event-store.errors.js';
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
import { ChangeSignal, PagedSubscription, matchesFilter, type PagedSubscriptionOptions } from './paged.subscription.js';

export interface MemoryEventStoreOptions extends PagedSubscriptionOptions {
  /** Default 4 MiB. */
  maxEventBytes?: number;
  /** The clock for `recordedAt` (default: the system clock). */
  now?: () => Date;
}

/**
 * Creates an empty in-memory event store.
 *
 * @example
 * ```ts
 * const store = createMemoryEventStore();
 * await store.append('log-1', [{ type: 'EntryRegistered', data: bytes }], 'no_stream');
 * ```
 */
export function createMemoryEventStore(opts: MemoryEventStoreOptions = {}): EventStore {
  return new MemoryEventStore(opts);
}

class MemoryEventStore implements EventStore {
  readonly #all: RecordedEvent[] = [];
  readonly #streams = new Map<string, RecordedEvent[]>();
  readonly #changes = new ChangeSignal();
  readonly #subs = new Set<PagedSubscription>();
  readonly #opts: MemoryEventStoreOptions;
  #closed = false;

  constructor(opts: MemoryEventStoreOptions) {
    this.#opts = opts;
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.#open();
    const valid = validateAppend(stream, events, expected, this.#opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
    const existing = this.#streams.get(stream);
    const actual = existing ? existing.length - 1 : 'no_stream';
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      expected === actual;
    if (!ok) throw new ConcurrencyError(stream, expected, actual);
    const list = existing ?? [];
    const recordedAt = this.#opts.now?.() ?? new Date();
    for (const e of valid) {
      const rec: RecordedEvent = {
        id: e.id,
        stream,
        revision: list.length,
        position: BigInt(this.#all.length + 1),
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        contentType: e.contentType,
        recordedAt,
      };
      list.push(rec);
      this.#all.push(rec);
    }
    this.#streams.set(stream, list);
    this.#changes.notify();
    return { nextExpectedRevision: list.length - 1, position: BigInt(this.#all.length) };
  }

  async *readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const plan = planReadStream(stream, opts);
    this.#open();
    const list = this.#streams.get(stream) ?? [];
    let remaining = plan.maxCount;
    if (plan.forward) {
      let i = plan.from === 'start' ? 0 : plan.from === 'end' ? list.length : plan.from;
      for (; i < list.length && remaining > 0; i++, remaining--) yield copy(list[i]!);
    } else {
      let i = plan.from === 'end' ? list.length - 1 : plan.from === 'start' ? 0 : Math.min(plan.from, list.length - 1);
      if (plan.from === 'start' && list.length === 0) return;
      for (; i >= 0 && remaining > 0; i--, remaining--) yield copy(list[i]!);
    }
  }

  async readAll(opts: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    checkAfter(opts.after, opts.maxCount);
    this.#open();
    return this.#page(opts.after ?? 0n, opts.maxCount ?? 1000).filter((e) => matchesFilter(e, undefined));
  }

  async headPosition(): Promise<bigint> {
    this.#open();
    return BigInt(this.#all.length);
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    this.#open();
    const source = { readPage: async (after: bigint, n: number) => (this.#open(), this.#page(after, n)), changes: this.#changes };
    const sub = new PagedSubscription(source, opts, this.#opts, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const s of [...this.#subs]) await s.close();
  }

  #page(after: bigint, maxCount: number): RecordedEvent[] {
    const start = after >= BigInt(this.#all.length) ? this.#all.length : Number(after);
    return this.#all.slice(start, start + maxCount).map(copy);
  }

  #open(): void {
    if (this.#closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', "couldn't use the in-memory event store: it is closed");
  }
}

/** Callers get their own byte arrays: mutating a read event never changes the store. */
function copy(e: RecordedEvent): RecordedEvent {
  return { ...e, data: new Uint8Array(e.data), metadata: new Uint8Array(e.metadata), recordedAt: new Date(e.recordedAt.getTime()) };
}
