/**
 * Processor checkpoints: each processor (projection, Kafka publisher, OCI referrer publisher …)
 * stores the global position of the last event it has fully handled, under its own name.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventStoreError } from './event-store.errors.js';

/** Where processors keep their positions. `save` is durable when it resolves. */
export interface CheckpointStore {
  /** The stored position, or undefined when the processor never saved one. */
  load(processor: string): Promise<bigint | undefined>;
  /** Stores `position` for `processor` (replacing the previous one). */
  save(processor: string, position: bigint): Promise<void>;
  close(): Promise<void>;
}

function checkArgs(processor: unknown, position?: unknown): void {
  if (typeof processor !== 'string' || processor.length === 0 || processor.length > 256) {
    throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't use processor name ${JSON.stringify(processor)}: 1–256 characters are required`);
  }
  if (position !== undefined && (typeof position !== 'bigint' || position < 0n || position >= 2n ** 63n)) {
    throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't save checkpoint for ${JSON.stringify(processor)}: position must be a bigint in [0, 2^63)`);
  }
}

/** A checkpoint store in memory (tests, and processors whose read model is itself in memory). */
export function createMemoryCheckpointStore(): CheckpointStore {
  const positions = new Map<string, bigint>();
  let closed = false;
  const open = (): void => {
    if (closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', "couldn't use the checkpoint store: it is closed");
  };
  return {
    async load(processor) {
      open();
      checkArgs(processor);
      return positions.get(processor);
    },
    async save(processor, position) {
      open();
      checkArgs(processor, position);
      positions.set(processor, position);
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * A checkpoint store in its own SQLite file (e.g. `data/checkpoints.sqlite`), WAL with
 * `synchronous=FULL`: a `save` that resolved survives a crash or power loss.
 *
 * @example
 * ```ts
 * const checkpoints = openSqliteCheckpointStore('data/checkpoints.sqlite');
 * const after = await checkpoints.load('projection:claims');
 * ```
 */
export function openSqliteCheckpointStore(path: string): CheckpointStore {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec('CREATE TABLE IF NOT EXISTS checkpoints (processor TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT');
  } catch (err) {
    throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't open checkpoint store ${path}: ${(err as Error).message}`, { cause: err });
  }
  const select = db.prepare<[string], { position: bigint }>('SELECT position FROM checkpoints WHERE processor = ?').safeIntegers(true);
  const upsert = db.prepare<[string, bigint]>('INSERT INTO checkpoints (processor, position) VALUES (?, ?) ON CONFLICT (processor) DO UPDATE SET position = excluded.position');
  const open = (): void => {
    if (!db.open) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't use checkpoint store ${path}: it is closed`);
  };
  return {
    async load(processor) {
      open();
      checkArgs(processor);
      return select.get(processor)?.position;
    },
    async save(processor, position) {
      open();
      checkArgs(processor, position);
      upsert.run(processor, position);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
