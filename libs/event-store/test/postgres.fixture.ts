/**
 * PostgreSQL for the adapter's tests: the server at 127.0.0.1:5432 (trust auth, user postgres) or
 * `POSTGRES_TEST_URL`. Every test store lives in its own schema (`t_<random>`), dropped afterwards.
 * `.ci/run` starts the server; without one the suites skip with the reason (fail under CI=true).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { needExternal } from '../../../test/support/external.js';

export const POSTGRES_TEST_URL = process.env.POSTGRES_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Undefined when the server answers, else why not. */
export async function postgresProblem(url = POSTGRES_TEST_URL): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The skip reason for `describe(…, { skip })`, or false: see test/support/external.ts. */
export async function needPostgres(): Promise<string | false> {
  const problem = await postgresProblem();
  return needExternal(
    `PostgreSQL at ${POSTGRES_TEST_URL}`,
    problem === undefined,
    `${problem ?? ''}; start it with \`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\` or set POSTGRES_TEST_URL`,
  );
}

/** A fresh schema name for one test. */
export function testSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs SQL on a short-lived connection. */
export async function sql(text: string, params: unknown[] = [], url = POSTGRES_TEST_URL): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
