/**
 * Failure injection for code built on the event store port (as Sunlight's test backends do): a
 * wrapper around a REAL store (in-memory or SQLite) that makes chosen appends or reads fail in
 * the ways a real store fails. Not a mock: everything that is not failed goes to the real store,
 * and "failed after persisting" really persisted.
 *
 * @example
 *   const store = new FailingEventStore(createMemoryEventStore());
 *   store.failAppends('after-persist', { times: 1 }); // the next append lands, then throws
 */
import {
  ConcurrencyError,
  EventStoreError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
} from '../../libs/event-store/src/index.js';

/**
 * How an append fails:
 * - `not-persisted`: throws before the store sees it (disk full, connection refused): nothing written;
 * - `after-persist`: the store wrote it, then the caller hears an error (a timeout after commit);
 * - `conflict`: a revision conflict, as if another writer got there first (nothing written).
 */
export type AppendFault = 'not-persisted' | 'after-persist' | 'conflict';

export class FailingEventStore implements EventStore {
  private appendFault: { kind: AppendFault; left: number } | null = null;
  private readFaults = 0;
  /** appends attempted (failed ones included) */
  appendCalls = 0;

  constructor(readonly inner: EventStore) {}

  /** Fail the next `times` appends (default: until {@link heal}) the way `kind` says. `times: 1` = fails once, then recovers. */
  failAppends(kind: AppendFault, o: { times?: number } = {}): void {
    this.appendFault = { kind, left: o.times ?? Infinity };
  }

  /** Fail the next `times` stream reads (default: until {@link heal}): a reload that cannot see the log. */
  failReads(o: { times?: number } = {}): void {
    this.readFaults = o.times ?? Infinity;
  }

  heal(): void {
    this.appendFault = null;
    this.readFaults = 0;
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.appendCalls++;
    const fault = this.appendFault;
    if (!fault || fault.left <= 0) return this.inner.append(stream, events, expected);
    if (--fault.left <= 0) this.appendFault = null;
    switch (fault.kind) {
      case 'not-persisted':
        throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't append to stream ${JSON.stringify(stream)}: injected failure (nothing persisted)`);
      case 'after-persist':
        await this.inner.append(stream, events, expected);
        throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't confirm the append to stream ${JSON.stringify(stream)}: injected failure (it persisted)`);
      case 'conflict': {
        const actual = typeof expected === 'number' ? expected + 1 : 0;
        throw new ConcurrencyError(stream, expected, actual);
      }
    }
  }

  readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    if (this.readFaults > 0) {
      this.readFaults--;
      const failure = new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't read stream ${JSON.stringify(stream)}: injected failure`);
      return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(failure) }) };
    }
    return this.inner.readStream(stream, opts);
  }

  readAll(opts?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(opts);
  }

  headPosition(): Promise<bigint> {
    return this.inner.headPosition();
  }

  subscribeToAll(opts?: SubscribeToAllOptions): Subscription {
    return this.inner.subscribeToAll(opts);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
