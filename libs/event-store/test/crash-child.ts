/**
 * Crash-test writer (run by test/crash.support.ts): appends batches of 1–32 events to three
 * streams as fast as it can and, after each append resolved, reports it on stdout with a
 * synchronous write: `<stream> <nextExpectedRevision> <position> <batchId> <size>`. The parent
 * kills it with SIGKILL at a random moment.
 *
 * Usage: `crash-child <sqlite-path> <runId>` or `crash-child postgres <url> <schema> <runId>`.
 */
import { writeSync } from 'node:fs';
import type { EventStore, ExpectedRevision } from '../src/event-store.port.js';
import { openPostgresEventStore } from '../src/postgres.event-store.js';
import { openSqliteEventStore } from '../src/sqlite.factory.js';

const argv = process.argv.slice(2);
let store: EventStore;
let runId: string | undefined;
if (argv[0] === 'postgres') {
  const [, connectionString, schema, id] = argv;
  if (!connectionString || !schema || !id) throw new Error('usage: crash-child postgres <url> <schema> <runId>');
  store = await openPostgresEventStore({ connectionString, schema, listen: false });
  runId = id;
} else {
  const [path, id] = argv;
  if (!path || !id) throw new Error('usage: crash-child <path> <runId>');
  store = await openSqliteEventStore({ path });
  runId = id;
}
const streams = ['crash-a', 'crash-b', 'crash-c'];
const expected = new Map<string, ExpectedRevision>();
for (const s of streams) {
  let last: ExpectedRevision = 'no_stream';
  for await (const e of store.readStream(s, { direction: 'backward', maxCount: 1 })) last = e.revision;
  expected.set(s, last);
}
const enc = new TextEncoder();
writeSync(1, 'ready\n');
for (let batch = 0; ; batch++) {
  const stream = streams[batch % streams.length]!;
  const n = 1 + Math.floor(Math.random() * 32);
  const batchId = `${runId}-${batch}`;
  const events = Array.from({ length: n }, (_, i) => ({
    type: 'CrashTested',
    data: enc.encode(JSON.stringify({ batchId, i, n })),
    metadata: new Uint8Array(Math.floor(Math.random() * 2048)).fill(i % 256),
  }));
  const r = await store.append(stream, events, expected.get(stream)!);
  expected.set(stream, r.nextExpectedRevision);
  writeSync(1, `${stream} ${r.nextExpectedRevision} ${r.position} ${batchId} ${n}\n`);
}
