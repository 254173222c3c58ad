/** Contract cases for `subscribeToAll`: catch-up → live without gaps or duplicates, resume, filters, close. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type ContractFactory, assertIncreasing, ev, label, readAllWithPrefix, take, withFixture } from './contract.support.js';

export function runSubscriptionContract(factory: ContractFactory): void {
  it('subscription: catch-up then live, in order, under concurrent writers', () =>
    withFixture(factory, async ({ store }, p) => {
      const start = await store.headPosition();
      for (let i = 0; i < 40; i++) await store.append(`${p}pre${i % 4}`, [ev(`pre${i}`), ev(`pre${i}b`)], 'any');
      const sub = store.subscribeToAll({ after: start, filter: { streamPrefixes: [p] } });
      const writers = Array.from({ length: 4 }, async (_, w) => {
        let expected: 'no_stream' | number = 'no_stream';
        let written = 0;
        for (let i = 0; i < 40; i++) {
          const n = 1 + ((i * 7 + w) % 4);
          const events = Array.from({ length: n }, (_, k) => ev(`w${w}-${i}-${k}`));
          expected = (await store.append(`${p}live${w}`, events, expected)).nextExpectedRevision;
          written += n;
          if (i % 5 === 0) await delay(1);
        }
        assert.equal(expected, written - 1);
        return written;
      });
      try {
        // a slow consumer part of the time: read-ahead must not depend on it keeping up
        const first = await take(sub, 50);
        await delay(50);
        const liveCounts = await Promise.all(writers);
        const total = 80 + liveCounts.reduce((a, b) => a + b, 0);
        const rest = await take(sub, total - 50);
        const got = [...first, ...rest];
        assertIncreasing(got, 'subscription');
        const truth = await readAllWithPrefix(store, start, p);
        assert.equal(truth.length, total);
        assert.deepEqual(got.map((e) => e.id), truth.map((e) => e.id), 'the subscription delivers exactly what readAll returns');
        assert.deepEqual(got.slice(0, 80).map(label), Array.from({ length: 40 }, (_, i) => [`pre${i}`, `pre${i}b`]).flat());
        for (let w = 0; w < 4; w++) {
          const revs = got.filter((e) => e.stream === `${p}live${w}`).map((e) => e.revision);
          assert.deepEqual(revs, revs.map((_, i) => i), `writer ${w}: contiguous revisions`);
        }
        // now idle and live: a new append arrives
        await store.append(`${p}late`, [ev('late')], 'no_stream');
        const [late] = await take(sub, 1);
        assert.equal(label(late!), 'late');
      } finally {
        await sub.close();
        await Promise.allSettled(writers);
      }
    }));

  it('subscription: resumes after a stored checkpoint, exactly after it', () =>
    withFixture(factory, async ({ store }, p) => {
      const start = await store.headPosition();
      for (let i = 0; i < 30; i++) await store.append(`${p}r`, [ev(String(i))], i === 0 ? 'no_stream' : i - 1);
      const sub1 = store.subscribeToAll({ after: start, filter: { streamPrefixes: [p] } });
      const firstPart = await take(sub1, 12);
      await sub1.close();
      const checkpoint = firstPart[firstPart.length - 1]!.position;
      const sub2 = store.subscribeToAll({ after: checkpoint, filter: { streamPrefixes: [p] } });
      try {
        const writer = (async () => {
          for (let i = 30; i < 40; i++) await store.append(`${p}r`, [ev(String(i))], i - 1);
        })();
        const resumed = await take(sub2, 28);
        await writer;
        assert.deepEqual([...firstPart, ...resumed].map(label), Array.from({ length: 40 }, (_, i) => String(i)));
      } finally {
        await sub2.close();
      }
    }));

  it('subscription: filters by stream prefix and event type', () =>
    withFixture(factory, async ({ store }, p) => {
      const start = await store.headPosition();
      await store.append(`${p}a-1`, [ev('a1', 'Kept'), ev('a1x', 'Dropped')], 'no_stream');
      await store.append(`${p}b-1`, [ev('b1', 'Kept')], 'no_stream');
      await store.append(`${p}a-2`, [ev('a2', 'Kept')], 'no_stream');
      const byPrefix = store.subscribeToAll({ after: start, filter: { streamPrefixes: [`${p}a-`] } });
      const byBoth = store.subscribeToAll({ after: start, filter: { streamPrefixes: [`${p}a-`, `${p}b-`], types: ['Kept'] } });
      try {
        assert.deepEqual((await take(byPrefix, 3)).map(label), ['a1', 'a1x', 'a2']);
        assert.deepEqual((await take(byBoth, 3)).map(label), ['a1', 'b1', 'a2']);
      } finally {
        await byPrefix.close();
        await byBoth.close();
      }
    }));

  it('subscription: close() ends the iteration, also while waiting for live events', () =>
    withFixture(factory, async ({ store }, p) => {
      const start = await store.headPosition();
      await store.append(`${p}c`, [ev('1')], 'no_stream');
      const sub = store.subscribeToAll({ after: start, filter: { streamPrefixes: [p] } });
      const seen: string[] = [];
      const loop = (async () => {
        for await (const e of sub) seen.push(label(e));
      })();
      for (let i = 0; i < 100 && seen.length === 0; i++) await delay(20);
      assert.deepEqual(seen, ['1']);
      await sub.close();
      await loop; // ends instead of hanging
      const sub2 = store.subscribeToAll({ after: start, filter: { streamPrefixes: [p] } });
      for await (const e of sub2) {
        assert.equal(label(e), '1');
        break; // breaking out of for-await closes it
      }
      await sub2.close();
    }));
}
