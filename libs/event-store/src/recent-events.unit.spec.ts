import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedEvent } from './event-store.port.js';
import { RecentEvents } from './recent-events.js';

/** events at positions 1..n with gaps (positions need not be consecutive integers) */
const log = Array.from({ length: 60 }, (_, i): RecordedEvent => ({
  id: `id-${i}`,
  stream: 's',
  revision: i,
  position: BigInt(i * 3 + 1),
  type: 'T',
  data: new Uint8Array([i]),
  metadata: new Uint8Array(0),
  contentType: 'application/octet-stream',
  recordedAt: new Date(0),
}));
const read = (after: bigint, n: number): RecordedEvent[] => log.filter((e) => e.position > after).slice(0, n);

describe('RecentEvents', () => {
  it('serves only what it can prove complete: a page read from the store, or pages joined where they meet', () => {
    const r = new RecentEvents(10);
    r.remember(0n, read(0n, 4)); // positions 1, 4, 7, 10
    assert.deepEqual(r.page(0n, 2), log.slice(0, 2));
    assert.deepEqual(r.page(2n, 10), log.slice(1, 4), 'from inside the run');
    assert.deepEqual(r.page(10n, 5), [], 'nothing after the last event held is known');
    assert.deepEqual(r.page(-1n, 5), [], 'before the run');
    r.remember(10n, read(10n, 3)); // joined: 13, 16, 19
    assert.deepEqual(r.page(0n, 100), log.slice(0, 7));
    r.remember(40n, read(40n, 2)); // not where the run ends: replaces it
    assert.deepEqual(r.page(0n, 100), [], 'the old run is gone');
    assert.deepEqual(r.page(40n, 100), read(40n, 2));
  });

  it('keeps at most its capacity, dropping the oldest', () => {
    const r = new RecentEvents(5);
    r.remember(0n, read(0n, 4));
    r.remember(log[3]!.position, read(log[3]!.position, 4));
    assert.equal(r.size, 5);
    assert.deepEqual(r.page(0n, 100), [], 'the dropped events are no longer covered');
    assert.deepEqual(r.page(log[2]!.position, 100), log.slice(3, 8));
  });

  it('agrees with the store for random reads (model check)', () => {
    let seed = 42;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const r = new RecentEvents(12);
    for (let i = 0; i < 2000; i++) {
      const after = BigInt(rnd(200));
      const n = 1 + rnd(8);
      const held = r.page(after, n);
      const want = read(after, n);
      assert.deepEqual(held, want.slice(0, held.length), `after ${after}: a prefix of the store's page`);
      const from = held.length > 0 ? held[held.length - 1]!.position : after;
      r.remember(from, read(from, n - held.length));
    }
  });

  it('capacity 0 keeps nothing', () => {
    const r = new RecentEvents(0);
    r.remember(0n, read(0n, 4));
    assert.equal(r.size, 0);
    assert.deepEqual(r.page(0n, 4), []);
  });
});
