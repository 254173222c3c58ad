/**
 * `openStores(config, role)`: the one place that opens the data directory's stores, for the three
 * programs that use them. What each role opens, and why:
 *
 * | role         | data dir                        | lock | event store                          | log index | checkpoints | WAL checkpointer |
 * |--------------|---------------------------------|------|--------------------------------------|-----------|-------------|------------------|
 * | `service`    | created if missing, free space checked | yes | SQLITE_WORKER thread, backstop autocheckpoint | yes (writer) | yes | SQLITE_CHECKPOINT_MS > 0 |
 * | `processors` | must exist                      | no: its service holds it (same process) | polled every PROCESSOR_POLL_MS | yes (reads) | yes (writes) | no |
 * | `rebuild`    | must exist                      | yes: never beside a running service | plain connection | no | no | no |
 *
 * With several nodes (NODE_ROLE=auto|follower) the publishers' checkpoints are shared in the event
 * store's PostgreSQL schema (`publisherCheckpoints`, see {@link sharedStateOf}).
 *
 * The log id comes from LOG_ID, else `<dataDir>/log-id`: the service creates it on first start, the
 * other roles refuse a data directory without one. Every store opened is closed again if a later
 * one fails; `close()` closes in reverse order and releases the lock last.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { openPostgresCheckpointStore, openSqliteCheckpointStore, startWalCheckpointer, type CheckpointStore, type EventStore } from '../../libs/event-store/src/index.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { writeDurably } from '../log/service-key.js';
import type { ServiceConfig } from './config.js';
import { lockDataDir } from './data-dir.lock.js';
import { checkFreeSpace } from './disk-space.js';
import { openConfiguredEventStore, type OpenStoreOptions } from './event-store.factory.js';

export type StoreRole = 'service' | 'processors' | 'rebuild';

/**
 * How the processors' thread opens the event store: polled (the service's appends come from
 * another thread), and keeping the last 1,024 events it read, so that its processors, which follow
 * the log together, read and decode each page once (libs/event-store/src/recent-events.ts; ≈ 2 KB
 * per event of the register bench, ≈ 2.5 MB).
 */
export const processorsStoreOptions = (config: ServiceConfig): OpenStoreOptions => ({ pollIntervalMs: config.processors.pollIntervalMs, recentEvents: 1024 });

/** What every role gets. */
export interface Stores {
  readonly logId: string;
  readonly store: EventStore;
  /** closes everything opened, in reverse order; releases the data directory's lock last (idempotent) */
  close(): Promise<void>;
}

/** The service's and the processors' stores. */
export interface LedgerStores extends Stores {
  readonly index: LogIndexStore;
  /** this node's checkpoints (the projections': their read models are this node's files) */
  readonly checkpoints: CheckpointStore;
  /**
   * The publishers' checkpoints (read through {@link publisherCheckpointsOf}): with several nodes
   * ({@link sharedStateOf}) the shared PostgreSQL table, so a new leader's publishers continue
   * where the old leader's stopped (a publisher without a shared row yet starts from this node's
   * own); absent on a single node: `checkpoints`.
   */
  readonly publisherCheckpoints?: CheckpointStore;
}

/** Where the publishers keep their positions: the shared store with several nodes, else `checkpoints`. */
export const publisherCheckpointsOf = (stores: LedgerStores): CheckpointStore => stores.publisherCheckpoints ?? stores.checkpoints;

/**
 * Where state shared by the nodes of one log lives: the event store's PostgreSQL schema when this
 * node is one of several (NODE_ROLE=auto|follower), else undefined (one node: its data directory).
 */
export function sharedStateOf(config: ServiceConfig): { readonly connectionString: string; readonly schema: string } | undefined {
  if (config.node.mode === 'single' || config.eventStore.kind !== 'postgres') return undefined;
  return { connectionString: config.eventStore.connectionString, schema: config.eventStore.schema };
}

const LOG_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The log id: LOG_ID, else the one kept in the data directory (generated there by the service's first start). */
export function logIdOf(config: ServiceConfig, create = false): string {
  if (config.logId) return config.logId;
  const path = join(config.dataDir, 'log-id');
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (!LOG_ID.test(id)) throw new Error(`couldn't read the log id: ${path} holds ${JSON.stringify(id.slice(0, 80))}, not a log id`);
    return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!create) throw new Error(`couldn't find the log id: no LOG_ID and no ${path} (has the service ever run with DATA_DIR=${config.dataDir}?)`, { cause: err });
  }
  const id = randomBytes(16).toString('hex');
  writeDurably(path, id + '\n', 0o644);
  return id;
}

/**
 * With the background WAL checkpointer on (SQLITE_CHECKPOINT_MS > 0), the writers' own automatic
 * checkpoints only catch a stopped checkpointer: at 16,384 pages (64 MiB of WAL) instead of 1,000.
 */
const backstopPages = (config: ServiceConfig): number | undefined => (config.sqliteCheckpointMs > 0 ? 16384 : undefined);

export function openStores(config: ServiceConfig, role: 'rebuild'): Promise<Stores>;
export function openStores(config: ServiceConfig, role: 'service' | 'processors'): Promise<LedgerStores>;
export async function openStores(config: ServiceConfig, role: StoreRole): Promise<Stores | LedgerStores> {
  const closers: (() => unknown)[] = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const c of closers.reverse()) await c();
    })());
  try {
    if (role === 'service') {
      mkdirSync(config.dataDir, { recursive: true });
      checkFreeSpace(config.dataDir, config.minFreeDiskBytes);
    }
    const logId = logIdOf(config, role === 'service');
    if (role !== 'processors') {
      const lock = lockDataDir(config.dataDir);
      closers.push(() => lock.release());
    }
    if (role === 'rebuild') {
      const store = await openConfiguredEventStore(config);
      closers.push(() => store.close());
      return { logId, store, close };
    }
    const service = role === 'service';
    const store = await openConfiguredEventStore(
      config,
      service ? { worker: config.sqliteWorker, autoCheckpointPages: backstopPages(config) } : processorsStoreOptions(config),
    );
    closers.push(() => store.close());
    const indexPath = join(config.dataDir, 'log-index.sqlite');
    const index = new LogIndexStore(indexPath, service ? { autoCheckpointPages: backstopPages(config), keepLatest: true } : {});
    closers.push(() => index.close());
    const checkpoints = openSqliteCheckpointStore(join(config.dataDir, 'checkpoints.sqlite'));
    closers.push(() => checkpoints.close());
    const shared = sharedStateOf(config);
    let publisherCheckpoints: CheckpointStore | undefined;
    if (shared) {
      // postgres.js connects on first use: on the HTTP thread (PROCESSOR_THREAD=worker) it never does
      const pg = openPostgresCheckpointStore({ ...shared, fallback: checkpoints, applicationName: `scitt-ledger checkpoints ${config.node.id}` });
      publisherCheckpoints = pg;
      closers.push(() => pg.close());
    }
    if (service && config.sqliteCheckpointMs > 0) {
      const logger = new Logger('stores');
      const wal = await startWalCheckpointer({
        paths: [indexPath, ...(config.eventStore.kind === 'sqlite' ? [join(config.dataDir, 'events.sqlite')] : [])],
        intervalMs: config.sqliteCheckpointMs,
        onError: (err) => logger.warn(`${err.message} (SQLite's automatic checkpoints still bound the WAL)`),
      });
      // closed after the stores (its last checkpoint sees their final WAL), before the lock is released
      closers.splice(1, 0, () => wal.close());
    }
    return { logId, store, index, checkpoints, ...(publisherCheckpoints ? { publisherCheckpoints } : {}), close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
