/**
 * The crash test shared by the durable adapters (sqlite.crash.int.spec.ts, postgres.crash.int.spec.ts):
 * a child process (crash-child.ts) appends batches as fast as it can and reports each resolved
 * append on stdout; the parent kills it with SIGKILL at a random moment, then checks that every
 * acknowledged append is stored, revisions are contiguous, every batch is whole, positions increase.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type { EventStore, RecordedEvent } from '../src/event-store.port.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
export const CRASH_STREAMS = ['crash-a', 'crash-b', 'crash-c'];

export interface Ack { stream: string; revision: number; position: bigint; batchId: string; size: number }

/** Starts the writer with `args`, waits until it acknowledged at least one append, kills it after a random delay. */
export async function runAndKill(args: string[]): Promise<Ack[]> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const start = Date.now();
  while (!/\n.+\n/.test(out.slice(out.indexOf('ready')))) {
    if (Date.now() - start > 15_000 || child.exitCode !== null) assert.fail(`writer did not start: ${err}`);
    await delay(2);
  }
  await delay(Math.random() * 60);
  child.kill('SIGKILL');
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `writer died on its own: ${err}`);
  const lines = out.split('\n');
  lines.pop(); // a last line without its newline was not fully acknowledged
  return lines
    .filter((l) => l !== 'ready')
    .map((l) => {
      const [stream, revision, position, batchId, size] = l.split(' ');
      return { stream: stream!, revision: Number(revision), position: BigInt(position!), batchId: batchId!, size: Number(size) };
    });
}

/** Every acknowledged append of one run is in `store`, at its position, with its last event's content. */
export async function checkAcknowledged(store: EventStore, acks: readonly Ack[], run: string): Promise<void> {
  for (const a of acks) {
    const [e] = await collect(store.readStream(a.stream, { from: a.revision, maxCount: 1 }));
    assert.ok(e, `run ${run}: acknowledged ${a.stream}@${a.revision} is missing`);
    assert.equal(e.position, a.position);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(e.data)), { batchId: a.batchId, i: a.size - 1, n: a.size });
  }
}

/** After all kills: contiguous revisions, whole batches, every acknowledged batch present, readAll strictly increasing and complete. */
export async function checkStoreAfterCrashes(store: EventStore, acked: readonly Ack[], kills: number): Promise<{ batches: number; events: number; unacknowledged: number }> {
  const batches = new Map<string, RecordedEvent[]>();
  for (const stream of CRASH_STREAMS) {
    const events = await collect(store.readStream(stream));
    events.forEach((e, i) => assert.equal(e.revision, i, `${stream}: revisions are contiguous`));
    for (const e of events) {
      const { batchId } = JSON.parse(new TextDecoder().decode(e.data)) as { batchId: string };
      batches.set(batchId, [...(batches.get(batchId) ?? []), e]);
    }
  }
  for (const [batchId, events] of batches) {
    const { n } = JSON.parse(new TextDecoder().decode(events[0]!.data)) as { n: number };
    assert.equal(events.length, n, `batch ${batchId} is whole`);
    events.forEach((e, i) => {
      assert.equal((JSON.parse(new TextDecoder().decode(e.data)) as { i: number }).i, i);
      if (i > 0) assert.equal(e.revision, events[i - 1]!.revision + 1);
    });
  }
  const ackedIds = new Set(acked.map((a) => a.batchId));
  for (const id of ackedIds) assert.ok(batches.has(id), `acknowledged batch ${id} is present`);
  let unacknowledged = 0;
  for (const id of batches.keys()) if (!ackedIds.has(id)) unacknowledged++;
  assert.ok(unacknowledged <= kills, 'at most one committed-but-unacknowledged batch per kill');
  let last = 0n;
  let total = 0;
  for (let page = await store.readAll({ maxCount: 5000 }); page.length > 0; page = await store.readAll({ after: last, maxCount: 5000 })) {
    for (const e of page) {
      assert.ok(e.position > last);
      last = e.position;
      total++;
    }
  }
  assert.equal(total, [...batches.values()].reduce((s, b) => s + b.length, 0));
  return { batches: batches.size, events: total, unacknowledged };
}

async function collect(it: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
