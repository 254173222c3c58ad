/**
 * A catch-up-then-live subscription built only on "read one page after position P" and a
 * change signal. There is no separate live path, so there is no switch-over to get wrong:
 * catch-up and live are the same loop — read the next page after the last position seen; when
 * the page is empty, wait for an append (or a poll tick, which also picks up writes by other
 * processes) and read again. Positions come from the store, so nothing is skipped or repeated.
 *
 * Back-pressure: the loop reads a page only when the consumer has taken the previous one, so at
 * most one page (`pageSize` events) is held per subscription, however slow the consumer.
 */
import { isEventStoreError } from './event-store.errors.js';
import type { RecordedEvent, SubscribeToAllOptions, Subscription, SubscriptionFilter } from './event-store.port.js';
import { checkAfter } from './event-validation.js';

/** A counter that changes on every committed append, with a way to wait for the next change. */
export class ChangeSignal {
  #version = 0;
  #waiters = new Set<() => void>();

  get version(): number {
    return this.#version;
  }

  /** Records a change and wakes every waiter. */
  notify(): void {
    this.#version++;
    const ws = [...this.#waiters];
    this.#waiters.clear();
    for (const w of ws) w();
  }

  /**
   * Resolves at the next {@link notify} after `seenVersion` (at once if it already happened), after
   * `timeoutMs`, or when `abort` fires.
   */
  wait(seenVersion: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    if (this.#version !== seenVersion || abort.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      abort.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}

/** What a {@link PagedSubscription} needs from its store. */
export interface PagedSource {
  /** Events with position > after, in position order, at most maxCount. */
  readPage(after: bigint, maxCount: number): Promise<RecordedEvent[]>;
  readonly changes: ChangeSignal;
}

export interface PagedSubscriptionOptions {
  /** Events read per page (the most held in memory). Default 256. */
  pageSize?: number;
  /** When idle, re-read at least this often (catches writes by other processes). Default 250 ms. */
  pollIntervalMs?: number;
}

/** True when `e` passes the subscription filter; system streams and types never do. */
export function matchesFilter(e: RecordedEvent, filter: SubscriptionFilter | undefined): boolean {
  if (e.stream.startsWith('$') || e.type.startsWith('$')) return false;
  if (filter?.streamPrefixes && !filter.streamPrefixes.some((p) => e.stream.startsWith(p))) return false;
  if (filter?.types && !filter.types.includes(e.type)) return false;
  return true;
}

/** See the module comment. Created by the in-memory and SQLite adapters. */
export class PagedSubscription implements Subscription, AsyncIterator<RecordedEvent> {
  #after: bigint;
  #buffer: RecordedEvent[] = [];
  #index = 0;
  #closed = new AbortController();
  #busy = false;
  readonly #source: PagedSource;
  readonly #filter: SubscriptionFilter | undefined;
  readonly #pageSize: number;
  readonly #pollIntervalMs: number;
  readonly #onClose: (s: PagedSubscription) => void;

  constructor(source: PagedSource, opts: SubscribeToAllOptions, tuning: PagedSubscriptionOptions, onClose: (s: PagedSubscription) => void) {
    checkAfter(opts.after);
    this.#source = source;
    this.#after = opts.after ?? 0n;
    this.#filter = opts.filter;
    this.#pageSize = tuning.pageSize ?? 256;
    this.#pollIntervalMs = tuning.pollIntervalMs ?? 250;
    this.#onClose = onClose;
  }

  /** Events held in memory right now (at most one page). */
  get buffered(): number {
    return this.#buffer.length - this.#index;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<RecordedEvent>> {
    if (this.#busy) throw new Error("couldn't read the subscription: next() called again before the previous call settled");
    this.#busy = true;
    try {
      return await this.#next();
    } finally {
      this.#busy = false;
    }
  }

  async #next(): Promise<IteratorResult<RecordedEvent>> {
    const closed = this.#closed.signal;
    for (;;) {
      if (closed.aborted) return { done: true, value: undefined };
      if (this.#index < this.#buffer.length) {
        const value = this.#buffer[this.#index++]!;
        return { done: false, value };
      }
      this.#buffer = [];
      this.#index = 0;
      const seen = this.#source.changes.version;
      let page: RecordedEvent[];
      try {
        page = await this.#source.readPage(this.#after, this.#pageSize);
      } catch (err) {
        if (isEventStoreError(err, 'ERR_EVENT_STORE_CLOSED')) {
          this.#close();
          return { done: true, value: undefined };
        }
        throw err;
      }
      if (page.length > 0) {
        this.#after = page[page.length - 1]!.position;
        this.#buffer = page.filter((e) => matchesFilter(e, this.#filter));
        continue;
      }
      await this.#source.changes.wait(seen, this.#pollIntervalMs, closed);
    }
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    this.#close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    this.#close();
  }

  #close(): void {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    this.#buffer = [];
    this.#onClose(this);
  }
}
