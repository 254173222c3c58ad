/**
 * The little the PostgreSQL adapter needs from a driver: parameterised queries on a pool, a
 * multi-statement script, and a LISTEN connection. The adapter is written against this so that
 * `bench/pg-drivers.bench.ts` can run the very same adapter on both maintained drivers (`pg` and
 * `postgres`). The adapter ships with `postgres` (postgres.js), chosen by that benchmark: equal on
 * appends (the server's commit dominates), 1.5–2× faster at catch-up (docs/event-store.md).
 *
 * Row conventions both implementations keep: `bigint` columns are selected as `::text` and `bytea`
 * comes back as a Buffer; everything else is text, boolean or float8.
 */
import postgres from 'postgres';

export type SqlRow = Record<string, unknown>;

export interface PgDriver {
  /** One parameterised statement on a pooled connection; `name` lets the driver prepare it once per connection. */
  query(name: string, text: string, params: readonly unknown[]): Promise<SqlRow[]>;
  /** Several statements in one transaction, sent in one simple-protocol round trip (schema setup). */
  script(text: string): Promise<void>;
  /**
   * Listens on `channel` on a dedicated connection. `onNotify` runs for each notification,
   * `onReconnect` after the connection was lost and re-established (notifications may have been missed).
   */
  listen(channel: string, onNotify: () => void, onReconnect: () => void, onError: (err: unknown) => void): Promise<{ close(): Promise<void> }>;
  end(): Promise<void>;
}

export interface PgDriverOptions {
  connectionString: string;
  /** Pooled connections (default 10). */
  poolSize?: number;
  /** Shown in `pg_stat_activity` (at most 63 bytes). */
  applicationName?: string;
}

/** Quotes an identifier for SQL (`"…"`, inner quotes doubled). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The `postgres` (postgres.js) implementation: the adapter's driver. Prepares each statement once per connection (by its text). */
export function createPostgresJsDriver(opts: PgDriverOptions): PgDriver {
  const sql = postgres(opts.connectionString, {
    max: opts.poolSize ?? 10,
    onnotice: () => undefined,
    prepare: true,
    connect_timeout: 10,
    ...(opts.applicationName ? { connection: { application_name: opts.applicationName.slice(0, 63) } } : {}),
  });
  return {
    async query(_name, text, params) {
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
      return [...rows] as SqlRow[];
    },
    async script(text) {
      await sql.begin((tx) => tx.unsafe(text).simple());
    },
    async listen(channel, onNotify, onReconnect) {
      let first = true;
      const l = await sql.listen(
        channel,
        () => onNotify(),
        () => {
          if (!first) onReconnect();
          first = false;
        },
      );
      return { close: () => l.unlisten() };
    },
    async end() {
      await sql.end({ timeout: 5 });
    },
  };
}
