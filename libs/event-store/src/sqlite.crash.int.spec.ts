/**
 * Crash test for the embedded store: a child process appends batches as fast as it can and is
 * killed with SIGKILL at random moments (25 times). After each kill and at the end the store must
 * hold every append the child acknowledged, with contiguous revisions and no partial batch.
 * SIGKILL tests process death (the OS page cache survives); power-loss durability rests on
 * WAL + synchronous=FULL (fsync before COMMIT returns) — see docs/event-store.md.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { RecordedEvent } from './event-store.port.js';
import { openSqliteEventStore } from './sqlite.factory.js';

const CHILD = fileURLToPath(new URL('../test/crash-child.js', import.meta.url));
const KILLS = 25;

interface Ack { stream: string; revision: number; position: bigint; batchId: string; size: number }

/** Starts the writer, waits until it has acknowledged at least one append, kills it after a random delay. */
async function runAndKill(path: string, runId: string): Promise<{ acks: Ack[] }> {
  const child = spawn(process.execPath, [CHILD, path, runId], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const acks = lines
    .filter((l) => l !== 'ready')
    .map((l) => {
      const [stream, revision, position, batchId, size] = l.split(' ');
      return { stream: stream!, revision: Number(revision), position: BigInt(position!), batchId: batchId!, size: Number(size) };
    });
  return { acks };
}

describe('sqlite event store: crash test (SIGKILL during appends)', { timeout: 180_000 }, () => {
  it(`keeps every acknowledged append, contiguous revisions and whole batches across ${KILLS} kills`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-store-crash-'));
    const path = join(dir, 'events.sqlite');
    try {
      const acked: Ack[] = [];
      let unacknowledgedBatches = 0;
      for (let k = 0; k < KILLS; k++) {
        const { acks } = await runAndKill(path, `r${k}`);
        assert.ok(acks.length > 0);
        acked.push(...acks);
        // reopen after each kill: everything acknowledged must be there
        const store = await openSqliteEventStore({ path });
        for (const a of acks) {
          const [e] = await collectStream(store.readStream(a.stream, { from: a.revision, maxCount: 1 }));
          assert.ok(e, `run ${k}: acknowledged ${a.stream}@${a.revision} is missing`);
          assert.equal(e.position, a.position);
          assert.deepEqual(JSON.parse(new TextDecoder().decode(e.data)), { batchId: a.batchId, i: a.size - 1, n: a.size });
        }
        await store.close();
      }
      const store = await openSqliteEventStore({ path });
      const batches = new Map<string, RecordedEvent[]>();
      for (const stream of ['crash-a', 'crash-b', 'crash-c']) {
        const events = await collectStream(store.readStream(stream));
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
      for (const id of batches.keys()) if (!ackedIds.has(id)) unacknowledgedBatches++;
      assert.ok(unacknowledgedBatches <= KILLS, 'at most one committed-but-unacknowledged batch per kill');
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
      await store.close();
      const raw = new Database(path, { readonly: true });
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
      raw.close();
      console.log(`# crash test: ${KILLS} kills, ${acked.length} acknowledged appends, ${batches.size} batches / ${total} events stored, ${unacknowledgedBatches} committed but unacknowledged`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function collectStream(it: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
