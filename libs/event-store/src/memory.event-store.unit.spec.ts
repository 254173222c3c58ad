import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runEventStoreContract } from './contract/event-store.contract.js';
import { createMemoryEventStore } from './memory.event-store.js';
import { PagedSubscription } from './paged.subscription.js';

runEventStoreContract('in-memory', async () => {
  const store = createMemoryEventStore();
  return { store, cleanup: () => store.close() };
});

describe('in-memory event store', () => {
  it('holds at most one page per subscription however far behind the consumer is', async () => {
    const store = createMemoryEventStore({ pageSize: 64 });
    for (let i = 0; i < 100; i++) await store.append(`s-${i}`, Array.from({ length: 100 }, () => ({ type: 'T', data: new Uint8Array(8) })), 'no_stream');
    const sub = store.subscribeToAll() as PagedSubscription;
    const it = sub[Symbol.asyncIterator]();
    let max = 0;
    for (let i = 0; i < 10_000; i++) {
      const r = await it.next();
      assert.equal(r.done, false);
      max = Math.max(max, sub.buffered);
    }
    assert.ok(max <= 63, `buffered up to ${max}`);
    await store.close();
    assert.deepEqual(await it.next(), { done: true, value: undefined }, 'closing the store ends its subscriptions');
  });

  it('uses the injected clock for recordedAt', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const store = createMemoryEventStore({ now: () => at });
    await store.append('s-1', [{ type: 'T', data: new Uint8Array(1) }], 'no_stream');
    const [e] = await store.readAll();
    assert.equal(e!.recordedAt.toISOString(), at.toISOString());
    await store.close();
  });
});
