/**
 * Processor checkpoints kept in PostgreSQL, beside the events (`<schema>.processor_checkpoints`):
 * for processors whose work is shared by several nodes of one log — the publishers, which run
 * only on the node holding the sequencer lease (docs/operations.md, "Several nodes"). A new leader
 * loads the position the old one saved and continues from there instead of publishing history again.
 *
 * A save never moves a checkpoint back (`GREATEST`): during a failover the old leader may finish
 * the batch it had in hand after the new one saved a later position; its save must not make the
 * next leader repeat what the new one published.
 *
 * `fallback` answers `load` for a processor that has no row yet: the node-local checkpoint of a
 * node that published before the checkpoints were shared, so an upgraded cluster does not publish
 * its whole history again.
 */
import postgres from 'postgres';
import type { CheckpointStore } from './checkpoint.store.js';
import { EventStoreError } from './event-store.errors.js';
import { quoteIdent } from './postgres.driver.js';
import { PG_SCHEMA_NAME } from './postgres.schema.js';

export interface PostgresCheckpointStoreOptions {
  readonly connectionString: string;
  readonly schema: string;
  /** asked for a processor without a shared row (then not again for it) */
  readonly fallback?: Pick<CheckpointStore, 'load'>;
  /** shown in `pg_stat_activity` */
  readonly applicationName?: string;
}

const MAX_POSITION = 2n ** 63n;

export function openPostgresCheckpointStore(o: PostgresCheckpointStoreOptions): CheckpointStore {
  if (!PG_SCHEMA_NAME.test(o.schema)) throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't open the checkpoint store: schema ${JSON.stringify(o.schema)} is not valid`);
  const table = `${quoteIdent(o.schema)}.processor_checkpoints`;
  const sql = postgres(o.connectionString, {
    max: 2,
    onnotice: () => undefined,
    connect_timeout: 10,
    connection: { application_name: (o.applicationName ?? `scitt-ledger checkpoints ${o.schema}`).slice(0, 63) },
  });
  let closed = false;
  let ready: Promise<void> | undefined;
  const setup = (): Promise<void> =>
    (ready ??= (async () => {
      const create = `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(o.schema)}; CREATE TABLE IF NOT EXISTS ${table} (processor text PRIMARY KEY, position bigint NOT NULL CHECK (position >= 0), updated_at timestamptz NOT NULL DEFAULT now())`;
      // two nodes creating it at once: one may fail on the catalog's unique index; once more settles it
      await sql.unsafe(create).simple().catch(() => new Promise((r) => setTimeout(r, 50)).then(() => sql.unsafe(create).simple()));
    })().catch((err: unknown) => {
      ready = undefined;
      throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't create the checkpoint table ${table}: ${(err as Error).message}`, { cause: err });
    }));
  const check = (processor: unknown, position?: unknown): void => {
    if (closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't use the checkpoint store ${table}: it is closed`);
    if (typeof processor !== 'string' || processor.length === 0 || processor.length > 256) {
      throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't use processor name ${JSON.stringify(processor)}: 1–256 characters are required`);
    }
    if (position !== undefined && (typeof position !== 'bigint' || position < 0n || position >= MAX_POSITION)) {
      throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't save checkpoint for ${JSON.stringify(processor)}: position must be a bigint in [0, 2^63)`);
    }
  };
  const unavailable = (what: string, err: unknown): EventStoreError =>
    err instanceof EventStoreError ? err : new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't ${what} in ${table}: ${(err as Error).message}`, { cause: err });
  return {
    async load(processor) {
      check(processor);
      await setup();
      let rows;
      try {
        rows = await sql.unsafe(`SELECT position::text AS p FROM ${table} WHERE processor = $1`, [processor]);
      } catch (err) {
        throw unavailable(`load the checkpoint of ${processor}`, err);
      }
      if (rows.length > 0) return BigInt(rows[0]!.p as string);
      return o.fallback?.load(processor);
    },
    async save(processor, position) {
      check(processor, position);
      await setup();
      try {
        await sql.unsafe(
          `INSERT INTO ${table} (processor, position) VALUES ($1, $2::bigint)
           ON CONFLICT (processor) DO UPDATE SET position = GREATEST(${table}.position, excluded.position), updated_at = now()`,
          [processor, position.toString()],
        );
      } catch (err) {
        throw unavailable(`save the checkpoint of ${processor}`, err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await sql.end({ timeout: 2 }).catch(() => undefined);
    },
  };
}
