/**
 * `npm run bench:pg-drivers` — the PostgreSQL adapter, schema and workload on both maintained
 * drivers, `pg` (node-postgres) and `postgres` (postgres.js): appends/s for batches of 1, 16, 256,
 * 16 concurrent writers, catch-up events/s, and live delivery latency; prints both and the ratio
 * postgres ÷ pg. The choice and its reasons are in docs/event-store.md. Runs each driver twice,
 * alternating, and keeps each figure's better run (the machine is shared).
 */
import { createPostgresJsDriver } from '../src/postgres.driver.js';
import { createPgDriver } from './pg.driver.js';
import { BENCH_POSTGRES_URL, measurePostgres, postgresUnreachable, type PgFigures } from './postgres.figures.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const why = await postgresUnreachable();
if (why) {
  console.error(`PostgreSQL at ${BENCH_POSTGRES_URL} is not reachable (${why}): start it or set POSTGRES_URL`);
  process.exit(1);
}
const runs: Record<'pg' | 'postgres', PgFigures[]> = { pg: [], postgres: [] };
for (let round = 0; round < 2; round++) {
  runs.pg.push(await measurePostgres(createPgDriver, seconds));
  runs.postgres.push(await measurePostgres(createPostgresJsDriver, seconds));
}
const best = (fs: PgFigures[], f: (x: PgFigures) => number, higher = true): number => fs.map(f).reduce((a, b) => (higher ? Math.max(a, b) : Math.min(a, b)));
const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const rows: [string, (x: PgFigures) => number, boolean, (x: number) => string][] = [
  ...[0, 1, 2].map((i): [string, (x: PgFigures) => number, boolean, (x: number) => string] => [`appends/s, batch ${[1, 16, 256][i]}`, (x) => x.appends[i]!.appendsPerSec, true, int]),
  ['events/s, batch 256', (x) => x.appends[2]!.eventsPerSec, true, int],
  ['appends/s, 16 concurrent writers, batch 1', (x) => x.concurrentAppendsPerSec, true, int],
  ['catch-up events/s (100,000 events)', (x) => x.catchUpEventsPerSec, true, int],
  ['append → live delivery p50 (ms), NOTIFY', (x) => x.liveNotify.p50, false, (v) => v.toFixed(2)],
  ['append → live delivery p99 (ms), NOTIFY', (x) => x.liveNotify.p99, false, (v) => v.toFixed(2)],
  ['append → live delivery p50 (ms), polling 250 ms', (x) => x.livePoll.p50, false, (v) => v.toFixed(1)],
];
console.log(`\nNode ${process.version}, ${BENCH_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')}, 256-byte events, ${seconds} s per append row, best of 2 runs each\n`);
console.log('| | pg | postgres | postgres ÷ pg |');
console.log('|---|---:|---:|---:|');
for (const [name, f, higher, fmt] of rows) {
  const a = best(runs.pg, f, higher);
  const b = best(runs.postgres, f, higher);
  console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)} |`);
}
