import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createMemoryCheckpointStore } from './checkpoint.store.js';
import type { EventStore, RecordedEvent } from './event-store.port.js';
import { createMemoryEventStore } from './memory.event-store.js';
import { LAG_SCAN_LIMIT, runProcessor } from './run-processor.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function fill(store: EventStore, from: number, to: number, stream = 'log-1'): Promise<void> {
  for (let i = from; i < to; i++) await store.append(stream, [{ type: 'N', data: enc.encode(String(i)) }], i === 0 ? 'no_stream' : i - 1);
}
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

describe('runProcessor', () => {
  it('delivers in batches, checkpoints after each, resumes after a crash without a gap', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    await fill(store, 0, 250);
    const seen: number[] = [];
    const batches: number[] = [];
    const ac = new AbortController();
    // "crash" in the middle of a batch: the first run aborts while handling the batch containing 137
    const p1 = runProcessor({
      store, checkpoints, name: 'proj', batchSize: 50, signal: ac.signal,
      handle: async (events) => {
        batches.push(events.length);
        if (events.some((e) => dec.decode(e.data) === '137')) {
          ac.abort();
          await delay(5);
          return;
        }
        for (const e of events) seen.push(Number(dec.decode(e.data)));
      },
    });
    await p1.done;
    assert.equal(p1.running, false);
    assert.ok(batches.every((n) => n <= 50));
    const saved = await checkpoints.load('proj');
    assert.equal(saved, p1.position);
    assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i), 'in order so far');
    assert.ok(seen.length < 138, 'the crashed batch was not checkpointed');

    // restart: continues after the checkpoint, live events included, no gap
    const p2 = runProcessor({ store, checkpoints, name: 'proj', batchSize: 64, handle: async (events) => void seen.push(...events.map((e) => Number(dec.decode(e.data)))) });
    await fill(store, 250, 300);
    await until(() => seen.length >= 300, '300 events');
    await until(() => p2.position === 300n, 'the checkpoint');
    assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i));
    assert.equal(await p2.lag(), 0n);
    assert.equal(p2.handled, 300 - Number(saved ?? 0n));
    await p2.stop();
    assert.equal(await checkpoints.load('proj'), 300n);
    await store.close();
  });

  it('reaches its event loop between batches of a catch-up (a timer fires, a stop is heard before the end)', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    await fill(store, 0, 2000);
    let timerAt: number | undefined;
    // a handler that never yields (a synchronous projection): only the runner can let the loop run
    const p = runProcessor({ store, checkpoints, name: 'catch-up', batchSize: 10, lingerMs: 1000, handle: async () => undefined });
    setTimeout(() => (timerAt = p.handled), 0);
    await until(() => timerAt !== undefined, 'the timer');
    assert.ok(timerAt! < 2000, `the timer fired only after the whole catch-up (${timerAt} events handled)`);
    await p.stop();
    assert.ok(p.handled < 2000, 'stopped before the end of the catch-up');
    await store.close();
  });

  it('bounds a batch by bytes too (one large event makes a batch of its own), and a steady stream never holds a batch past the linger', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    // 20 events of 100 kB: a 250 kB budget takes at most 3 of them per batch (a batch holds at least one)
    for (let i = 0; i < 20; i++) await store.append('log-1', [{ type: 'N', data: enc.encode(String(i).padEnd(100_000, ' ')) }], i === 0 ? 'no_stream' : i - 1);
    const batches: number[] = [];
    const p = runProcessor({ store, checkpoints, name: 'big', batchSize: 256, maxBatchBytes: 250_000, handle: async (events) => void batches.push(events.length) });
    await until(() => batches.reduce((a, b) => a + b, 0) === 20, '20 events');
    assert.ok(batches.every((n) => n >= 1 && n <= 3), `batches ${batches.join(',')}`);
    await p.stop();

    // a steady stream (an event every 5 ms) with a 40 ms linger and a batch of 1,000: batches close
    // 40 ms after their first event, not when 1,000 have come
    const steady = createMemoryEventStore();
    const sizes: number[] = [];
    const q = runProcessor({ store: steady, checkpoints, name: 'steady', batchSize: 1000, lingerMs: 40, handle: async (events) => void sizes.push(events.length) });
    for (let i = 0; i < 60; i++) {
      await steady.append('log-2', [{ type: 'N', data: enc.encode(String(i)) }], i === 0 ? 'no_stream' : i - 1);
      await delay(5);
    }
    await until(() => sizes.reduce((a, b) => a + b, 0) === 60, '60 events');
    assert.ok(sizes.length >= 2, `the stream was cut into batches by the linger (${sizes.join(',')})`);
    await q.stop();
    await store.close();
    await steady.close();
  });

  it('lingers only while events keep coming: a lone event after a quiet spell goes at once, one right after a batch waits for company', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    const handed: { at: number; size: number }[] = [];
    const p = runProcessor({ store, checkpoints, name: 'lone', batchSize: 100, lingerMs: 400, handle: async (events) => void handed.push({ at: performance.now(), size: events.length }) });
    const t0 = performance.now();
    await store.append('log-1', [{ type: 'N', data: enc.encode('0') }], 'no_stream');
    await until(() => handed.length === 1, 'the lone event');
    assert.ok(handed[0]!.at - t0 < 300, `a lone event waited ${Math.round(handed[0]!.at - t0)} ms (the linger is 400)`);
    // right after that batch: events are coming, so the next batch waits the linger for more
    const t1 = performance.now();
    await store.append('log-1', [{ type: 'N', data: enc.encode('1') }], 0);
    await delay(50);
    await store.append('log-1', [{ type: 'N', data: enc.encode('2') }], 1);
    await until(() => handed.length === 2, 'the second batch');
    assert.equal(handed[1]!.size, 2, 'the event within the linger joined the batch');
    assert.ok(handed[1]!.at - t1 >= 380, `the busy batch went after ${Math.round(handed[1]!.at - t1)} ms, before its linger`);
    await p.stop();
    await store.close();
  });

  it('lag counts only the events its filter passes: 0 once caught up even when the store ends with filtered-out events', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    // the log's shape: entries, then a checkpoint event the processor does not subscribe to
    let rev = -1;
    const add = async (type: string, stream = 'log-1'): Promise<void> => {
      const r = await store.append(stream, [{ type, data: enc.encode(type) }], rev < 0 ? 'no_stream' : rev);
      rev = r.nextExpectedRevision;
    };
    for (let b = 0; b < 3; b++) {
      await add('EntryRegistered');
      await add('EntryRegistered');
      await add('CheckpointSigned');
    }
    await store.append('other-1', [{ type: 'EntryRegistered', data: enc.encode('x') }], 'no_stream');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const p = runProcessor({
      store, checkpoints, name: 'pub', filter: { streamPrefixes: ['log-'], types: ['EntryRegistered'] },
      handle: async (events) => {
        await gate;
        seen.push(...events.map((e) => e.type));
      },
    });
    assert.equal(await p.lag(), 6n, 'six entries of log-1 to handle; the checkpoints and the other stream do not count');
    release();
    await until(() => seen.length === 6 && p.position !== undefined, 'the entries');
    await until(() => p.handled === 6, 'the checkpoint');
    assert.equal(await p.lag(), 0n, 'idle: nothing left to handle although the head is a later (filtered-out) event');
    await add('EntryRegistered');
    await add('CheckpointSigned');
    await until(() => seen.length === 7, 'the live entry');
    await until(() => p.handled === 7, 'its checkpoint');
    assert.equal(await p.lag(), 0n);
    await p.stop();
    await store.close();
  });

  it('lag never answers 0 while behind, though the count it reuses was a lower bound (the scan limit)', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    const total = LAG_SCAN_LIMIT + 5_000;
    const events = Array.from({ length: total }, (_, i) => ({ type: 'N', data: enc.encode(String(i)) }));
    for (let i = 0; i < total; i += 1000) await store.append('log-1', events.slice(i, i + 1000), i === 0 ? 'no_stream' : i - 1);
    let seen = 0;
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let open!: () => void;
    const start = new Promise<void>((r) => (open = r));
    const p = runProcessor({
      store, checkpoints, name: 'big', batchSize: 1000,
      handle: async (batch) => {
        await start;
        if (seen >= LAG_SCAN_LIMIT + 1000) await hold; // stop well behind the head
        seen += batch.length;
      },
    });
    assert.equal(await p.lag(), BigInt(LAG_SCAN_LIMIT), 'the count stops at the scan limit: a lower bound');
    open();
    await until(() => p.handled >= LAG_SCAN_LIMIT + 1000, 'more events than the count said were left');
    const lag = await p.lag(); // within the count's 5 s: it was used up, so the processor counts again
    assert.ok(lag > 0n, `behind by ${total - p.handled} events, lag says ${lag}`);
    assert.equal(lag, BigInt(total - p.handled));
    release();
    await until(() => p.handled === total, 'the rest');
    assert.equal(await p.lag(), 0n);
    await p.stop();
    await store.close();
  });

  it('retries a failing handler with capped exponential backoff and never skips the event', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    await fill(store, 0, 10);
    let failuresLeft = 5;
    const seen: number[] = [];
    const delays: number[] = [];
    const p = runProcessor({
      store, checkpoints, name: 'flaky', batchSize: 3, retry: { initialDelayMs: 1, maxDelayMs: 8 },
      onError: (_err, info) => {
        delays.push(info.delayMs);
        assert.equal(info.processor, 'flaky');
        assert.ok(info.events.length > 0);
      },
      handle: async (events: RecordedEvent[]) => {
        if (events.some((e) => dec.decode(e.data) === '4') && failuresLeft-- > 0) throw new Error('downstream is down');
        seen.push(...events.map((e) => Number(dec.decode(e.data))));
      },
    });
    await until(() => seen.length === 10, 'all events');
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(delays, [1, 2, 4, 8, 8]);
    assert.equal(p.failures, 0);
    await p.stop();
    await store.close();
  });

  it('applies the filter and stops when the store closes', async () => {
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    await fill(store, 0, 5, 'log-1');
    await fill(store, 0, 5, 'other-1');
    const seen: string[] = [];
    const p = runProcessor({ store, checkpoints, name: 'f', filter: { streamPrefixes: ['log-'] }, handle: async (events) => void seen.push(...events.map((e) => e.stream)) });
    await until(() => seen.length === 5, 'five events');
    await delay(20);
    assert.deepEqual(seen, Array(5).fill('log-1'));
    await store.close();
    await p.done;
    assert.equal(p.running, false);
  });

  it('retries when the checkpoint store fails, then recovers', async () => {
    const store = createMemoryEventStore();
    const real = createMemoryCheckpointStore();
    let failSaves = 2;
    const errors: unknown[] = [];
    const checkpoints = { ...real, save: async (n: string, pos: bigint) => { if (failSaves-- > 0) throw new Error('disk full'); return real.save(n, pos); } };
    await fill(store, 0, 3);
    const seen: number[] = [];
    const p = runProcessor({ store, checkpoints, name: 'c', retry: { initialDelayMs: 1 }, onError: (e) => errors.push(e), handle: async (events) => void seen.push(...events.map((e) => Number(dec.decode(e.data)))) });
    await until(() => p.position === 3n, 'checkpoint saved');
    assert.equal(errors.length, 2);
    assert.deepEqual([...new Set(seen)], [0, 1, 2], 'redelivered (at least once), never skipped');
    await p.stop();
    await store.close();
  });
});
