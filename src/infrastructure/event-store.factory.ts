/**
 * Opens the event store the configuration names (EVENT_STORE): the embedded SQLite file under
 * DATA_DIR, KurrentDB, or PostgreSQL. One place for the service, its processors' thread and the
 * projections rebuild, each passing how it uses the store.
 */
import { join } from 'node:path';
import { openKurrentDbEventStore, openPostgresEventStore, openSqliteEventStore, type EventStore } from '../../libs/event-store/src/index.js';
import type { ServiceConfig } from './config.js';

export interface OpenStoreOptions {
  /** SQLite only: run the connection in a worker thread (default false). */
  worker?: boolean;
  /** SQLite only: the WAL auto-checkpoint backstop in pages. */
  autoCheckpointPages?: number;
  /** How often idle subscriptions re-read (SQLite: the only wake-up for other processes' writes; PostgreSQL: the fallback to LISTEN). */
  pollIntervalMs?: number;
  /** SQLite only: the last events read kept in memory for the connection's other subscriptions (default none). */
  recentEvents?: number;
}

export async function openConfiguredEventStore(config: ServiceConfig, opts: OpenStoreOptions = {}): Promise<EventStore> {
  const es = config.eventStore;
  switch (es.kind) {
    case 'kurrentdb':
      return openKurrentDbEventStore({ connectionString: es.connectionString });
    case 'postgres':
      return openPostgresEventStore({ connectionString: es.connectionString, schema: es.schema, pollIntervalMs: opts.pollIntervalMs });
    case 'sqlite':
      return openSqliteEventStore({
        path: join(config.dataDir, 'events.sqlite'),
        worker: opts.worker ?? false,
        autoCheckpointPages: opts.autoCheckpointPages,
        pollIntervalMs: opts.pollIntervalMs,
        recentEvents: opts.recentEvents,
      });
  }
}
