/**
 * `subscribeToAll` on KurrentDB with reconnection. The server does catch-up then live itself; this
 * wrapper adds what the port promises on top:
 * - resubscribes after a transient failure (or an unexpected end of the stream) from the last
 *   position it delivered, with capped exponential backoff, and drops anything at or before that
 *   position, so a reconnect never repeats or skips an event;
 * - filters on the server (stream-name prefixes, else "exclude system events") and again on the
 *   client (event types, `$` streams and types);
 * - back-pressure: the client's subscription is a Node Transform stream piped from the gRPC call;
 *   iterating it pulls, and when the consumer is slow its `highWaterMark` (one page) fills and gRPC
 *   flow control pauses the server.
 */
import { START, excludeSystemEvents, streamNameFilter, type AllStreamSubscription, type KurrentDBClient, type Position } from '@kurrent/kurrentdb-client';
import type { RecordedEvent, SubscribeToAllOptions, Subscription } from './event-store.port.js';
import { checkAfter } from './event-validation.js';
import { fromKurrentEvent, isTransient, mapKurrentError } from './kurrentdb.mapping.js';
import { matchesFilter } from './paged.subscription.js';

export interface KurrentSubscriptionTuning {
  /** Events buffered per subscription (default 256). */
  pageSize?: number;
  /** Reconnect backoff: starts at `initialDelayMs` (100), doubles, capped at `maxDelayMs` (5 000). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Told about each reconnect. */
  onReconnect?: (err: unknown, attempt: number) => void;
}

export class KurrentSubscription implements Subscription {
  readonly #client: KurrentDBClient;
  readonly #opts: SubscribeToAllOptions;
  readonly #tuning: KurrentSubscriptionTuning;
  readonly #closed = new AbortController();
  readonly #onClose: (s: KurrentSubscription) => void;
  #current: AllStreamSubscription | undefined;
  #iterator: AsyncGenerator<RecordedEvent> | undefined;

  constructor(client: KurrentDBClient, opts: SubscribeToAllOptions, tuning: KurrentSubscriptionTuning, onClose: (s: KurrentSubscription) => void) {
    checkAfter(opts.after);
    this.#client = client;
    this.#opts = opts;
    this.#tuning = tuning;
    this.#onClose = onClose;
  }

  /** One iterator per subscription: calling this again returns the same one (it continues where it was). */
  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.#iterator ??= this.#run();
    return this.#iterator;
  }

  async *#run(): AsyncGenerator<RecordedEvent> {
    const closed = this.#closed.signal;
    let last: Position | undefined = this.#opts.after === undefined || this.#opts.after === 0n ? undefined : { commit: this.#opts.after, prepare: this.#opts.after };
    const prefixes = this.#opts.filter?.streamPrefixes;
    const initial = this.#tuning.reconnect?.initialDelayMs ?? 100;
    const max = this.#tuning.reconnect?.maxDelayMs ?? 5000;
    try {
      for (let attempt = 0; !closed.aborted; ) {
        const sub = this.#client.subscribeToAll(
          { fromPosition: last ?? START, filter: prefixes && prefixes.length > 0 ? streamNameFilter({ prefixes }) : excludeSystemEvents() },
          { highWaterMark: this.#tuning.pageSize ?? 256 },
        );
        this.#current = sub;
        let failure: unknown = new Error('the server ended the subscription');
        try {
          for await (const resolved of sub) {
            attempt = 0;
            const e = resolved.event;
            if (!e || !e.position) continue;
            if (last && (e.position.commit < last.commit || (e.position.commit === last.commit && e.position.prepare <= last.prepare))) continue;
            last = e.position;
            const rec = fromKurrentEvent(e, e.position.commit);
            if (matchesFilter(rec, this.#opts.filter)) yield rec;
          }
        } catch (err) {
          if (closed.aborted) return;
          if (!isTransient(err)) throw mapKurrentError(err, 'subscribe to $all');
          failure = err;
        } finally {
          this.#current = undefined;
          await sub.unsubscribe().catch(() => undefined);
          sub.destroy();
        }
        if (closed.aborted) return;
        attempt++;
        this.#tuning.onReconnect?.(failure, attempt);
        await sleep(Math.min(max, initial * 2 ** Math.min(attempt - 1, 20)), closed);
      }
    } finally {
      this.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    const sub = this.#current;
    if (sub) {
      await sub.unsubscribe().catch(() => undefined);
      sub.destroy();
    }
    this.#onClose(this);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
