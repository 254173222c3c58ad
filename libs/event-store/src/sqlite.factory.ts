/**
 * `openSqliteEventStore`: the embedded event store, with the `worker: true | false` switch that
 * chooses the thread its engine (sqlite.event-store.ts) runs on. Default: a worker thread
 * (sqlite-worker.event-store.ts), so each commit's fsync blocks that thread instead of the event
 * loop. Measured in bench/store.bench.ts: on the main thread an append blocks the event loop for
 * the whole fsync (p50 ≈ 4 ms, p99 ≈ 12 ms on a loaded 2-core machine); in the worker for
 * ≈ 0.05–0.1 ms, at equal or better throughput.
 */
import { EventStoreError } from './event-store.errors.js';
import type { EventStore } from './event-store.port.js';
import { openSqliteEngine, type SqliteEngineOptions } from './sqlite.event-store.js';
import { openSqliteWorkerEventStore } from './sqlite-worker.event-store.js';

export interface SqliteEventStoreOptions extends SqliteEngineOptions {
  /**
   * Run the connection in a worker thread. Default: true (false when `now` is given: a clock
   * can't cross to another thread).
   */
  worker?: boolean;
}

/**
 * Opens (creating if needed) the embedded event store.
 *
 * @example
 * ```ts
 * const store = await openSqliteEventStore({ path: 'data/events.sqlite' });
 * const r = await store.append('log-1', [{ type: 'EntryRegistered', data }], 'no_stream');
 * ```
 */
export async function openSqliteEventStore(opts: SqliteEventStoreOptions): Promise<EventStore> {
  const { worker = opts.now === undefined, ...engine } = opts;
  if (!worker) return openSqliteEngine(engine);
  if (opts.now) throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', "couldn't open event store: `now` can't be used with `worker: true`");
  return openSqliteWorkerEventStore(engine);
}
