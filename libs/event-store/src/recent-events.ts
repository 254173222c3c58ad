/**
 * The last events one connection read from `$all`, kept as one run of consecutive positions, so
 * that several subscriptions of one thread that follow the log together (the projections, the OCI
 * publisher, the Kafka publisher) read and copy each page once: the first reader's page is served
 * from memory to the others, as the same `RecordedEvent` objects (so a decode memoised on them,
 * `decodeRecordedEvent` in libs/ledger, runs once too).
 *
 * Invariant: `events` holds exactly the events with position in `(after, last position]`, in
 * position order. It holds because a page read from the store is complete for its range (positions
 * are assigned in commit order by a single writer and rows are never deleted, see the store's
 * module comment), and a page is joined to the run only when it starts where the run ends.
 * Anything else replaces the run. At most `capacity` events are kept (the oldest go first).
 */
import type { RecordedEvent } from './event-store.port.js';

export class RecentEvents {
  #events: RecordedEvent[] = [];
  /** the position the run starts after */
  #after = 0n;

  constructor(readonly capacity: number) {}

  /** How many events are held. */
  get size(): number {
    return this.#events.length;
  }

  /** The held events after `after`, at most `maxCount` (empty when the run does not cover `after`). */
  page(after: bigint, maxCount: number): RecordedEvent[] {
    const events = this.#events;
    if (events.length === 0 || after < this.#after || after >= events[events.length - 1]!.position) return [];
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid]!.position <= after) lo = mid + 1;
      else hi = mid;
    }
    return events.slice(lo, lo + maxCount);
  }

  /** Records a page read from the store: every event with position in `(after, last of page]`. */
  remember(after: bigint, page: readonly RecordedEvent[]): void {
    if (page.length === 0 || this.capacity <= 0) return;
    const events = this.#events;
    if (events.length > 0 && after === events[events.length - 1]!.position) {
      for (const e of page) events.push(e);
    } else {
      this.#events = page.slice();
      this.#after = after;
    }
    const excess = this.#events.length - this.capacity;
    if (excess > 0) {
      this.#after = this.#events[excess - 1]!.position;
      this.#events.splice(0, excess);
    }
  }
}
