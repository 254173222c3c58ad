/**
 * PostgreSQL adapter measurements shared by `npm run bench:store` (the `pg` driver, beside SQLite)
 * and `npm run bench:pg-drivers` (the same adapter on `pg` and on `postgres`). Each run uses its
 * own schema on $POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) and drops it.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EventStore, ExpectedRevision, NewEvent } from '../src/event-store.port.js';
import type { PgDriver, PgDriverOptions } from '../src/postgres.driver.js';
import { openPostgresEventStore } from '../src/postgres.event-store.js';

export const BENCH_POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EVENT_BYTES = 256;

export interface PgFigures {
  appends: { batch: number; appendsPerSec: number; eventsPerSec: number; p50: number; p99: number }[];
  /** 16 writers on 16 streams, batch 1, appends in flight together. */
  concurrentAppendsPerSec: number;
  catchUpEventsPerSec: number;
  catchUpEvents: number;
  /** Append → delivery to a waiting subscriber (ms): woken by NOTIFY, and by polling alone (250 ms). */
  liveNotify: { p50: number; p99: number };
  livePoll: { p50: number; p99: number };
}

function events(n: number, seed: number): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'EntryRegistered', data: new Uint8Array(EVENT_BYTES).fill((seed + i) % 256) }));
}
function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function appends(store: EventStore, batch: number, seconds: number): Promise<PgFigures['appends'][number]> {
  let expected: ExpectedRevision = 'no_stream';
  const payload = events(batch, batch);
  const lat: number[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    expected = (await store.append(`bench-${batch}`, payload, expected)).nextExpectedRevision;
    lat.push(performance.now() - t0);
  }
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { batch, appendsPerSec: lat.length / elapsed, eventsPerSec: (lat.length * batch) / elapsed, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function concurrent(store: EventStore, seconds: number): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      let expected: ExpectedRevision = 'no_stream';
      const payload = events(1, w);
      while (performance.now() < end) {
        expected = (await store.append(`bench-c${w}`, payload, expected)).nextExpectedRevision;
        n++;
      }
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

async function catchUp(store: EventStore, total: number): Promise<number> {
  let expected: ExpectedRevision = 'no_stream';
  for (let i = 0; i < total; i += 1000) expected = (await store.append('bench-sub', events(1000, i), expected)).nextExpectedRevision;
  const sub = store.subscribeToAll({ filter: { streamPrefixes: ['bench-sub'] } });
  const start = performance.now();
  let n = 0;
  for await (const _e of sub) if (++n === total) break;
  return total / ((performance.now() - start) / 1000);
}

async function live(writer: EventStore, reader: EventStore, rounds: number): Promise<{ p50: number; p99: number }> {
  const head = await reader.headPosition();
  const sub = reader.subscribeToAll({ after: head })[Symbol.asyncIterator]();
  const lat: number[] = [];
  let expected: ExpectedRevision = 'any';
  for (let i = 0; i < rounds; i++) {
    const waiting = sub.next();
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    const t0 = performance.now();
    expected = (await writer.append('bench-live', events(1, i), expected)).nextExpectedRevision;
    await waiting;
    lat.push(performance.now() - t0);
  }
  await sub.return?.();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** Runs the whole set on one driver; `CATCH_UP` events for the catch-up row. */
export async function measurePostgres(driver: ((o: PgDriverOptions) => PgDriver) | undefined, seconds: number, catchUpEvents = 100_000): Promise<PgFigures> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const open = (o: { listen?: boolean; pollIntervalMs?: number } = {}) => openPostgresEventStore({ connectionString: BENCH_POSTGRES_URL, schema, driver, ...o });
  const store = await open();
  try {
    const rows = [];
    for (const batch of [1, 16, 256]) rows.push(await appends(store, batch, seconds));
    const concurrentAppendsPerSec = await concurrent(store, seconds);
    const catchUpEventsPerSec = await catchUp(store, catchUpEvents);
    // the reader is another store (another pool and LISTEN connection), as another node would be
    const notifyReader = await open({ pollIntervalMs: 60_000 });
    const liveNotify = await live(store, notifyReader, 100);
    await notifyReader.close();
    const pollReader = await open({ listen: false, pollIntervalMs: 250 });
    const livePoll = await live(store, pollReader, 40);
    await pollReader.close();
    return { appends: rows, concurrentAppendsPerSec, catchUpEventsPerSec, catchUpEvents, liveNotify, livePoll };
  } finally {
    await store.close();
    const { createPostgresJsDriver } = await import('../src/postgres.driver.js');
    const d = createPostgresJsDriver({ connectionString: BENCH_POSTGRES_URL, poolSize: 1 });
    await d.script(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await d.end();
  }
}

/** Undefined when the server answers, else why not. */
export async function postgresUnreachable(): Promise<string | undefined> {
  const { createPostgresJsDriver } = await import('../src/postgres.driver.js');
  const d = createPostgresJsDriver({ connectionString: BENCH_POSTGRES_URL, poolSize: 1 });
  try {
    await d.query('ping', 'SELECT 1', []);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await d.end().catch(() => undefined);
  }
}
