/**
 * `npm run bench:store` — the embedded (SQLite) event store with durability on (WAL +
 * synchronous=FULL): appends/s and events/s for batches of 1, 16 and 256 events; how long one
 * append blocks the event loop (the driver is synchronous) against what a worker thread's
 * round-trip would cost; subscription (catch-up) throughput. Then the same appends and catch-up on
 * the PostgreSQL adapter ($POSTGRES_URL, default 127.0.0.1:5432; skipped, saying so, when no
 * server answers), with live delivery latency (LISTEN/NOTIFY vs polling). Prints Markdown tables
 * for docs/benchmarks.md. Files go under $BENCH_DIR (default ./data/bench), on the real disk.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createMemoryEventStore } from '../src/memory.event-store.js';
import type { EventStore, ExpectedRevision, NewEvent } from '../src/event-store.port.js';
import { openSqliteEventStore } from '../src/sqlite.factory.js';
import { BENCH_POSTGRES_URL, measurePostgres, postgresUnreachable } from './postgres.figures.js';

const EVENT_BYTES = 256;
const dir = resolve(process.env.BENCH_DIR ?? join('data', 'bench'), `store-${process.pid}`);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

function events(n: number, seed: number): NewEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const data = new Uint8Array(EVENT_BYTES);
    data.fill((seed + i) % 256);
    return { type: 'EntryRegistered', data };
  });
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (x: number): string => x.toFixed(3);
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

interface AppendFigures { batch: number; appends: number; appendsPerSec: number; eventsPerSec: number; p50: number; p99: number; blockP50: number; blockP99: number; blockMax: number }

/** Appends batches back to back for `seconds`; "block" = how long the append call held the thread before returning its promise. */
async function benchAppends(store: EventStore, batch: number): Promise<AppendFigures> {
  const stream = `bench-${batch}`;
  let expected: ExpectedRevision = 'no_stream';
  const lat: number[] = [];
  const block: number[] = [];
  const payload = events(batch, batch);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    const p = store.append(stream, payload, expected);
    const t1 = performance.now();
    expected = (await p).nextExpectedRevision;
    const t2 = performance.now();
    block.push(t1 - t0);
    lat.push(t2 - t0);
    n++;
  }
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  block.sort((a, b) => a - b);
  return { batch, appends: n, appendsPerSec: n / elapsed, eventsPerSec: (n * batch) / elapsed, p50: pct(lat, 50), p99: pct(lat, 99), blockP50: pct(block, 50), blockP99: pct(block, 99), blockMax: block[block.length - 1]! };
}

/** Event-loop delay seen by other work (what an HTTP handler would wait) while appends of 16 run at ~200/s. */
async function benchLoopDelay(store: EventStore): Promise<{ p50: number; p99: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let expected: ExpectedRevision = 'no_stream';
  const payload = events(16, 7);
  h.enable();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    expected = (await store.append('bench-paced', payload, expected)).nextExpectedRevision;
    await new Promise((r) => setTimeout(r, 5));
  }
  h.disable();
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

/** Round-trip of one 16-event batch to a worker thread and back (no database): the floor a worker-based adapter would add. */
async function benchWorkerRoundTrip(): Promise<{ p50: number; p99: number }> {
  const w = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage({ ok: true, n: m.length }));", { eval: true });
  const payload = events(16, 3).map((e) => ({ type: e.type, data: e.data }));
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      w.once('message', () => r());
      w.postMessage(payload);
    });
    lat.push(performance.now() - t0);
  }
  await w.terminate();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat.slice(200), 50), p99: pct(lat.slice(200), 99) };
}

async function fill(store: EventStore, total: number): Promise<void> {
  let expected: ExpectedRevision = 'no_stream';
  for (let i = 0; i < total; i += 1000) expected = (await store.append('bench-sub', events(1000, i), expected)).nextExpectedRevision;
}

async function benchSubscription(store: EventStore, total: number): Promise<number> {
  const sub = store.subscribeToAll({ filter: { streamPrefixes: ['bench-sub'] } });
  const start = performance.now();
  let n = 0;
  for await (const _e of sub) {
    if (++n === total) break;
  }
  return total / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const env = `Node ${process.version}, ${process.platform}/${process.arch}, ${EVENT_BYTES}-byte events, ${seconds} s per row, files in ${dir}`;
  try {
    const modes: { mode: string; rows: AppendFigures[]; loop: { p50: number; p99: number; max: number } }[] = [];
    for (const worker of [false, true]) {
      const s = await openSqliteEventStore({ path: join(dir, `events-${worker ? 'worker' : 'main'}.sqlite`), worker });
      const rows: AppendFigures[] = [];
      for (const batch of [1, 16, 256]) rows.push(await benchAppends(s, batch));
      modes.push({ mode: worker ? 'worker thread' : 'main thread', rows, loop: await benchLoopDelay(s) });
      await s.close();
    }
    const store = await openSqliteEventStore({ path: join(dir, 'events.sqlite') });
    const worker = await benchWorkerRoundTrip();
    const SUB = 100_000;
    await fill(store, SUB);
    const subSqlite = await benchSubscription(store, SUB);
    await store.close();
    const mem = createMemoryEventStore();
    await fill(mem, SUB);
    const subMem = await benchSubscription(mem, SUB);
    await mem.close();

    console.log(`\n${env}\n`);
    console.log('| driver on | batch | appends/s | events/s | append p50 / p99 (ms) | event loop blocked per append p50 / p99 / max (ms) |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const m of modes) {
      for (const r of m.rows) console.log(`| ${m.mode} | ${r.batch} | ${int(r.appendsPerSec)} | ${int(r.eventsPerSec)} | ${ms(r.p50)} / ${ms(r.p99)} | ${ms(r.blockP50)} / ${ms(r.blockP99)} / ${ms(r.blockMax)} |`);
    }
    console.log('');
    for (const m of modes) {
      console.log(`Event-loop delay seen by other work while 16-event appends run every ~5 ms, driver on the ${m.mode}: p50 ${ms(m.loop.p50)} ms, p99 ${ms(m.loop.p99)} ms, max ${ms(m.loop.max)} ms (monitorEventLoopDelay).`);
    }
    console.log(`Worker-thread round-trip for one 16-event batch (postMessage there and back, no database): p50 ${ms(worker.p50)} ms, p99 ${ms(worker.p99)} ms.`);
    console.log(`Subscription catch-up, ${int(SUB)} events: SQLite ${int(subSqlite)} events/s, in-memory ${int(subMem)} events/s.`);
    await postgresRows(modes.find((m) => m.mode === 'worker thread')!.rows, subSqlite);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The PostgreSQL adapter (its driver, `postgres`) beside SQLite in its worker (the service's default). */
async function postgresRows(sqlite: AppendFigures[], subSqlite: number): Promise<void> {
  const why = await postgresUnreachable();
  if (why) {
    console.log(`\nPostgreSQL at ${BENCH_POSTGRES_URL} is not reachable (${why}): no PostgreSQL figures.`);
    return;
  }
  const pg = await measurePostgres(undefined, seconds);
  console.log(`\nPostgreSQL adapter (driver postgres, ${BENCH_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')}) beside SQLite in its worker thread:\n`);
  console.log('| batch | PostgreSQL appends/s | events/s | p50 / p99 (ms) | SQLite appends/s | events/s | PostgreSQL ÷ SQLite (events/s) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const [i, r] of pg.appends.entries()) {
    const s = sqlite[i]!;
    console.log(`| ${r.batch} | ${int(r.appendsPerSec)} | ${int(r.eventsPerSec)} | ${ms(r.p50)} / ${ms(r.p99)} | ${int(s.appendsPerSec)} | ${int(s.eventsPerSec)} | ${(r.eventsPerSec / s.eventsPerSec).toFixed(2)} |`);
  }
  console.log(`\nPostgreSQL, 16 concurrent writers (batch 1, one stream each): ${int(pg.concurrentAppendsPerSec)} appends/s.`);
  console.log(`Subscription catch-up, ${int(pg.catchUpEvents)} events: PostgreSQL ${int(pg.catchUpEventsPerSec)} events/s (SQLite ${int(subSqlite)}, ratio ${(pg.catchUpEventsPerSec / subSqlite).toFixed(2)}).`);
  console.log(`Append → delivery to a subscriber of another store instance: LISTEN/NOTIFY p50 ${ms(pg.liveNotify.p50)} ms, p99 ${ms(pg.liveNotify.p99)} ms; polling alone (250 ms) p50 ${ms(pg.livePoll.p50)} ms, p99 ${ms(pg.livePoll.p99)} ms.`);
}

await main();
