/**
 * The contract suite: one set of node:test cases every {@link EventStore} adapter must pass.
 * Tests use their own random stream prefix and start reading `$all` at the store's head, so the
 * suite also runs against a shared, non-empty server (KurrentDB).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConcurrencyError } from '../event-store.errors.js';
import type { ExpectedRevision } from '../event-store.port.js';
import { type ContractFactory, collect, ev, label, readAllWithPrefix, assertIncreasing, rejectsWithCode, withFixture } from './contract.support.js';
import { runSubscriptionContract } from './subscription.contract.js';
import { runBadInputContract } from './bad-input.contract.js';

export type { ContractFactory, ContractFixture } from './contract.support.js';

/**
 * Registers the shared contract suite for one adapter under `describe(name)`.
 *
 * @example
 * ```ts
 * runEventStoreContract('memory', async () => {
 *   const store = createMemoryEventStore();
 *   return { store, cleanup: () => store.close() };
 * });
 * ```
 */
export function runEventStoreContract(name: string, factory: ContractFactory, opts: { timeoutMs?: number } = {}): void {
  const timeout = opts.timeoutMs ?? 60_000;
  describe(`event store contract: ${name}`, { timeout }, () => {
    it('appends a batch atomically and reads it back exactly', () =>
      withFixture(factory, async ({ store }, p) => {
        const id = randomUUID();
        const meta = Uint8Array.of(0, 255, 1, 254);
        const json = new TextEncoder().encode(JSON.stringify({ a: 1, b: [true, null, 'x'] }));
        const r = await store.append(
          `${p}log`,
          [{ id, type: 'EntryRegistered', data: Uint8Array.of(0, 1, 2, 255), metadata: meta }, { type: 'CheckpointSigned', data: json, contentType: 'application/json' }],
          'no_stream',
        );
        assert.equal(r.nextExpectedRevision, 1);
        const got = await collect(store.readStream(`${p}log`));
        assert.equal(got.length, 2);
        const [a, b] = got as [(typeof got)[0], (typeof got)[0]];
        assert.deepEqual([a.id, a.stream, a.revision, a.type, a.contentType], [id, `${p}log`, 0, 'EntryRegistered', 'application/octet-stream']);
        assert.deepEqual(Buffer.from(a.data), Buffer.from([0, 1, 2, 255]));
        assert.deepEqual(Buffer.from(a.metadata), Buffer.from(meta));
        assert.deepEqual([b.revision, b.type, b.contentType], [1, 'CheckpointSigned', 'application/json']);
        assert.deepEqual(Buffer.from(b.data), Buffer.from(json));
        assert.equal(b.metadata.length, 0);
        assert.equal(b.position, r.position, 'the append returns the position of its last event');
        assert.ok(a.position < b.position);
        assert.ok(a.recordedAt instanceof Date && !Number.isNaN(a.recordedAt.getTime()));
        assert.match(b.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }));

    it('checks the expected revision inside the write (table)', () =>
      withFixture(factory, async ({ store }, p) => {
        // [existing events, expected, outcome: next revision or the actual revision in the ConcurrencyError]
        const rows: [number, ExpectedRevision, { ok: number } | { actual: number | 'no_stream' }][] = [
          [0, 'no_stream', { ok: 0 }],
          [0, 'any', { ok: 0 }],
          [0, 'stream_exists', { actual: 'no_stream' }],
          [0, 0, { actual: 'no_stream' }],
          [0, 5, { actual: 'no_stream' }],
          [2, 'no_stream', { actual: 1 }],
          [2, 'stream_exists', { ok: 2 }],
          [2, 'any', { ok: 2 }],
          [2, 1, { ok: 2 }],
          [2, 0, { actual: 1 }],
          [2, 2, { actual: 1 }],
        ];
        for (const [i, [existing, expected, outcome]] of rows.entries()) {
          const stream = `${p}row${i}`;
          if (existing > 0) await store.append(stream, Array.from({ length: existing }, (_, k) => ev(`pre${k}`)), 'no_stream');
          const attempt = store.append(stream, [ev('x')], expected);
          if ('ok' in outcome) {
            assert.equal((await attempt).nextExpectedRevision, outcome.ok, `row ${i}`);
          } else {
            await assert.rejects(attempt, (err: unknown) => {
              assert.ok(err instanceof ConcurrencyError, `row ${i}: ${String(err)}`);
              assert.equal(err.code, 'ERR_EVENT_STORE_CONCURRENCY');
              assert.deepEqual([err.stream, err.expected, err.actual], [stream, expected, outcome.actual], `row ${i}`);
              return true;
            });
            assert.equal((await collect(store.readStream(stream))).length, existing, `row ${i}: a conflict writes nothing`);
          }
        }
      }));

    it('concurrent appends with one expected revision: exactly one wins per revision', () =>
      withFixture(factory, async ({ store }, p) => {
        const stream = `${p}race`;
        let expected: ExpectedRevision = 'no_stream';
        for (let round = 0; round < 5; round++) {
          const racers = Array.from({ length: 6 }, (_, k) => store.append(stream, [ev(`r${round}w${k}a`), ev(`r${round}w${k}b`)], expected));
          const results = await Promise.allSettled(racers);
          const won = results.filter((r) => r.status === 'fulfilled');
          assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
          for (const r of results) {
            if (r.status === 'rejected') assert.ok(r.reason instanceof ConcurrencyError, String(r.reason));
          }
          expected = (won[0] as PromiseFulfilledResult<{ nextExpectedRevision: number }>).value.nextExpectedRevision;
          assert.equal(expected, round * 2 + 1);
        }
        const all = await collect(store.readStream(stream));
        assert.deepEqual(all.map((e) => e.revision), Array.from({ length: 10 }, (_, i) => i));
        for (let i = 0; i < 10; i += 2) assert.equal(label(all[i]!).replace(/a$/, 'b'), label(all[i + 1]!), 'batches are never interleaved');
      }));

    it('a failed append leaves nothing behind (atomicity)', () =>
      withFixture(factory, async ({ store }, p) => {
        const stream = `${p}atomic`;
        await store.append(stream, [ev('0')], 'no_stream');
        const head = await store.headPosition();
        await rejectsWithCode(store.append(stream, [ev('1'), ev('2')], 'no_stream'), 'ERR_EVENT_STORE_CONCURRENCY', 'conflict');
        await rejectsWithCode(store.append(stream, [ev('1'), { type: '', data: new Uint8Array(1) }, ev('3')], 0), 'ERR_EVENT_STORE_INVALID_EVENT', 'bad event mid-batch');
        await rejectsWithCode(store.append(stream, [ev('1'), { type: 'Big', data: new Uint8Array(64 * 1024 * 1024) }], 0), 'ERR_EVENT_STORE_EVENT_TOO_LARGE', 'oversized last event');
        assert.deepEqual((await collect(store.readStream(stream))).map(label), ['0']);
        assert.equal(await store.headPosition(), head, 'no position was used by a failed append');
        assert.equal((await store.append(stream, [ev('1')], 0)).nextExpectedRevision, 1, 'the stream still accepts the right revision');
      }));

    it('reads a stream forward and backward from a revision, with maxCount', () =>
      withFixture(factory, async ({ store }, p) => {
        const stream = `${p}read`;
        await store.append(stream, Array.from({ length: 10 }, (_, i) => ev(String(i))), 'no_stream');
        const read = async (o: Parameters<typeof store.readStream>[1]) => (await collect(store.readStream(stream, o))).map((e) => e.revision);
        const table: [Parameters<typeof store.readStream>[1], number[]][] = [
          [undefined, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
          [{ from: 7 }, [7, 8, 9]],
          [{ from: 3, maxCount: 2 }, [3, 4]],
          [{ from: 10 }, []],
          [{ from: 'end' }, []],
          [{ direction: 'backward' }, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
          [{ direction: 'backward', from: 'end', maxCount: 3 }, [9, 8, 7]],
          [{ direction: 'backward', from: 2 }, [2, 1, 0]],
          [{ direction: 'backward', from: 'start' }, [0]],
          [{ maxCount: 0 }, []],
        ];
        for (const [o, want] of table) assert.deepEqual(await read(o), want, JSON.stringify(o));
        assert.deepEqual(await collect(store.readStream(`${p}missing`)), [], 'a missing stream yields nothing');
        assert.deepEqual(await collect(store.readStream(`${p}missing`, { direction: 'backward' })), []);
      }));

    it('readAll pages in position order without gaps or duplicates', () =>
      withFixture(factory, async ({ store }, p) => {
        const start = await store.headPosition();
        const written: string[] = [];
        for (let i = 0; i < 30; i++) {
          const batch = [ev(`a${i}`), ev(`b${i}`)];
          await store.append(`${p}s${i % 3}`, batch, 'any');
          written.push(`a${i}`, `b${i}`);
        }
        const all = await readAllWithPrefix(store, start, p, 7);
        assert.deepEqual(all.map(label), written);
        assertIncreasing(all, 'readAll');
        const page = await store.readAll({ after: all[9]!.position, maxCount: 3 });
        assert.equal(page.length, 3);
        assert.equal(label(page[0]!), written[10], 'after is exclusive');
        assert.equal(await store.headPosition() >= all[all.length - 1]!.position, true);
      }));

    it('survives close and reopen (durability)', async (t) => {
      await withFixture(factory, async ({ store, reopen }, p) => {
        if (!reopen) {
          t.skip('this adapter keeps nothing across a reopen (in-memory)');
          return;
        }
        const r = await store.append(`${p}durable`, [ev('one'), ev('two')], 'no_stream');
        await store.close();
        await rejectsWithCode(store.append(`${p}durable`, [ev('x')], 'any'), 'ERR_EVENT_STORE_CLOSED', 'closed store');
        const again = await reopen();
        try {
          const got = await collect(again.readStream(`${p}durable`));
          assert.deepEqual(got.map(label), ['one', 'two']);
          assert.equal(got[1]!.position, r.position);
          assert.equal((await again.append(`${p}durable`, [ev('three')], 1)).nextExpectedRevision, 2);
        } finally {
          await again.close();
        }
      });
    });

    it('a 1 MiB binary event round-trips byte for byte', () =>
      withFixture(factory, async ({ store }, p) => {
        const data = new Uint8Array(1024 * 1024);
        for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 8)) % 256;
        const metadata = new Uint8Array(4096).map((_, i) => 255 - (i % 256));
        await store.append(`${p}big`, [{ type: 'Large', data, metadata }], 'no_stream');
        data[0] = data[0]! ^ 1; // mutating the caller's buffer afterwards must not change the store
        const [got] = await collect(store.readStream(`${p}big`));
        data[0] = data[0]! ^ 1;
        assert.ok(got);
        assert.equal(Buffer.compare(Buffer.from(got.data), Buffer.from(data)), 0);
        assert.equal(Buffer.compare(Buffer.from(got.metadata), Buffer.from(metadata)), 0);
      }));

    it("the caller's buffers, changed while the append is in flight, change nothing stored, and stay the caller's", () =>
      withFixture(factory, async ({ store }, p) => {
        // small bytes (kept uncopied by stores that copy them before append returns: SQLite's bind,
        // the worker's clone) and large ones (copied, then handed to the worker: never the caller's)
        const sizes = [3, 32, 64, 65, 2048, 64 * 1024 - 1, 64 * 1024, 70 * 1024];
        const datas = sizes.map((n, k) => new Uint8Array(n).map((_, i) => (i * 31 + k) % 256));
        const metas = sizes.map((n, k) => new Uint8Array(Math.min(n, 100)).map((_, i) => (i * 17 + k) % 256));
        const want = datas.map((d) => Uint8Array.from(d));
        const wantMeta = metas.map((m) => Uint8Array.from(m));
        const pending = store.append(`${p}owned`, datas.map((data, k) => ({ type: 'Owned', data, metadata: metas[k] })), 'no_stream');
        for (const b of [...datas, ...metas]) b.fill(0xee); // before the append resolves
        await pending;
        for (const [k, d] of datas.entries()) assert.equal(d.byteLength, sizes[k], `event ${k}'s data stays the caller's (not detached)`);
        const got = await collect(store.readStream(`${p}owned`));
        assert.equal(got.length, sizes.length);
        got.forEach((e, k) => {
          assert.equal(Buffer.compare(Buffer.from(e.data), Buffer.from(want[k]!)), 0, `event ${k} (${sizes[k]} bytes)`);
          assert.equal(Buffer.compare(Buffer.from(e.metadata), Buffer.from(wantMeta[k]!)), 0, `event ${k}'s metadata`);
        });
      }));

    it("data and metadata given as views into one shared buffer are stored as each view's bytes, no more", () =>
      withFixture(factory, async ({ store }, p) => {
        // the sequencer appends a batch's events as views into one buffer (libs/ledger toStoredEvents)
        const shared = new Uint8Array(4096).map((_, i) => (i * 13 + 7) % 256);
        const spans: [number, number][] = [[0, 10], [10, 11], [11, 11], [100, 1000], [1000, 4096]];
        const events = spans.map(([a, b]) => ({ type: 'Viewed', data: shared.subarray(a, b), metadata: shared.subarray(b - Math.min(b - a, 5), b) }));
        await store.append(`${p}views`, events, 'no_stream');
        const got = await collect(store.readStream(`${p}views`));
        assert.equal(got.length, spans.length);
        got.forEach((e, k) => {
          const [a, b] = spans[k]!;
          assert.equal(Buffer.compare(Buffer.from(e.data), Buffer.from(shared.subarray(a, b))), 0, `event ${k}: bytes ${a}..${b}`);
          assert.equal(e.metadata.length, Math.min(b - a, 5), `event ${k}'s metadata`);
        });
        assert.equal(shared.byteLength, 4096, 'the shared buffer stays the caller\'s');
      }));

    it('10^5 events read back in order', { timeout: Math.max(timeout, 120_000) }, () =>
      withFixture(factory, async ({ store }, p) => {
        const stream = `${p}many`;
        const n = 100_000;
        const batch = 1000;
        let expected: ExpectedRevision = 'no_stream';
        for (let b = 0; b < n / batch; b++) {
          const events = Array.from({ length: batch }, (_, i) => {
            const data = new Uint8Array(8);
            new DataView(data.buffer).setUint32(0, b * batch + i);
            return { type: 'Numbered', data };
          });
          expected = (await store.append(stream, events, expected)).nextExpectedRevision;
        }
        assert.equal(expected, n - 1);
        let i = 0;
        let last = -1n;
        for await (const e of store.readStream(stream)) {
          assert.equal(e.revision, i);
          assert.equal(new DataView(e.data.buffer, e.data.byteOffset, e.data.byteLength).getUint32(0), i);
          assert.ok(e.position > last);
          last = e.position;
          i++;
        }
        assert.equal(i, n);
      }));

    runBadInputContract(factory);
    runSubscriptionContract(factory);
  });
}
