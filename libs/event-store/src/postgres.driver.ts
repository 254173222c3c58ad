/**
 * The little the PostgreSQL adapter needs from a driver: parameterised queries on a pool, a
 * multi-statement script, and a LISTEN connection. The adapter is written against this so that
 * `bench/postgres-driver.bench.ts` can run the very same adapter on both maintained drivers
 * (`pg` and `postgres`); the adapter ships with `pg` (why: docs/event-store.md, "PostgreSQL").
 *
 * Row conventions both implementations keep: `bigint` columns are selected as `::text` and `bytea`
 * comes back as a Buffer; everything else is text, boolean or float8.
 */
import pg from 'pg';

export type SqlRow = Record<string, unknown>;

export interface PgDriver {
  /** One parameterised statement on a pooled connection; `name` lets the driver prepare it once per connection. */
  query(name: string, text: string, params: readonly unknown[]): Promise<SqlRow[]>;
  /** Several statements in one simple-protocol round trip (schema setup). */
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
}

/** Quotes an identifier for SQL (`"…"`, inner quotes doubled). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The `pg` (node-postgres) implementation. Buffers go as binary parameters; results are text format. */
export function createPgDriver(opts: PgDriverOptions): PgDriver {
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle pooled connection that dies (server restart) emits 'error' on the pool: the next query
  // gets a fresh connection, so this is only noise — but an unhandled 'error' would crash the process.
  pool.on('error', () => undefined);
  return {
    async query(name, text, params) {
      const r = await pool.query({ name, text, values: params as unknown[] });
      return r.rows as SqlRow[];
    },
    async script(text) {
      await pool.query(text);
    },
    async listen(channel, onNotify, onReconnect, onError) {
      let closed = false;
      let client: pg.Client | undefined;
      let retry: ReturnType<typeof setTimeout> | undefined;
      let delay = 100;
      const connect = async (first: boolean): Promise<void> => {
        const c = new pg.Client({ connectionString: opts.connectionString });
        c.on('notification', () => onNotify());
        c.on('error', (err) => {
          onError(err);
          if (client === c) client = undefined;
          void c.end().catch(() => undefined);
          schedule();
        });
        await c.connect();
        await c.query(`LISTEN ${quoteIdent(channel)}`);
        if (closed) {
          await c.end();
          return;
        }
        client = c;
        delay = 100;
        if (!first) onReconnect();
      };
      const schedule = (): void => {
        if (closed || retry) return;
        retry = setTimeout(() => {
          retry = undefined;
          connect(false).catch((err: unknown) => {
            onError(err);
            delay = Math.min(delay * 2, 5_000);
            schedule();
          });
        }, delay);
        retry.unref?.();
      };
      await connect(true);
      return {
        async close() {
          closed = true;
          if (retry) clearTimeout(retry);
          const c = client;
          client = undefined;
          await c?.end().catch(() => undefined);
        },
      };
    },
    async end() {
      await pool.end();
    },
  };
}
