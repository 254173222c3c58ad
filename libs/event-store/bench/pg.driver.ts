/**
 * The `pg` (node-postgres) driver behind the adapter's {@link PgDriver} interface — only for
 * `npm run bench:pg-drivers`, which runs the same adapter, schema and workload on it and on
 * `postgres` (the adapter's driver). Buffers go as binary parameters; results come as text.
 */
import pg from 'pg';
import { quoteIdent, type PgDriver, type PgDriverOptions, type SqlRow } from '../src/postgres.driver.js';

export function createPgDriver(opts: PgDriverOptions): PgDriver {
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000, application_name: opts.applicationName });
  // An idle pooled connection that dies (server restart) emits 'error' on the pool: the next query
  // gets a fresh connection, so this is only noise — but an unhandled 'error' would crash the process.
  pool.on('error', () => undefined);
  return {
    async query(name, text, params) {
      const r = await pool.query({ name, text, values: params as unknown[] });
      return r.rows as SqlRow[];
    },
    async script(text) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(text);
        await c.query('COMMIT');
        c.release();
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        c.release(true);
        throw err;
      }
    },
    async listen(channel, onNotify, onReconnect, onError) {
      let closed = false;
      let client: pg.Client | undefined;
      let retry: ReturnType<typeof setTimeout> | undefined;
      let delay = 100;
      const connect = async (first: boolean): Promise<void> => {
        const c = new pg.Client({ connectionString: opts.connectionString, application_name: opts.applicationName });
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
