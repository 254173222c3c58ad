/** Contract cases for odd and bad input: typed errors, never a corrupted store. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { NewEvent } from '../event-store.port.js';
import { type ContractFactory, collect, ev, label, rejectsWithCode, withFixture } from './contract.support.js';

export function runBadInputContract(factory: ContractFactory): void {
  it('stream names with odd characters round-trip', () =>
    withFixture(factory, async ({ store }, p) => {
      const names = [
        `${p}'; DROP TABLE events; --`,
        `${p}with space/and/slashes`,
        `${p}quote"back\\slash`,
        `${p}ünïcödé-日本語-🚀`,
        `${p}%_like*wildcards?`,
        `${p}${'x'.repeat(400)}`,
      ];
      for (const [i, name] of names.entries()) await store.append(name, [ev(`n${i}`)], 'no_stream');
      for (const [i, name] of names.entries()) {
        const got = await collect(store.readStream(name));
        assert.deepEqual(got.map((e) => [e.stream, label(e)]), [[name, `n${i}`]], name);
      }
      assert.deepEqual(await collect(store.readStream(`${p}%`)), [], 'no pattern matching on names');
    }));

  it('refuses bad stream names, events and arguments with typed errors, storing nothing', () =>
    withFixture(factory, async ({ store }, p) => {
      const head = await store.headPosition();
      const badStreams: unknown[] = ['', '$system', '$$ce-x', `${p}nul\u0000`, `${p}line\nbreak`, `${p}lone\ud800`, `${p}${'é'.repeat(300)}`, 42, undefined];
      for (const s of badStreams) {
        await rejectsWithCode(() => store.append(s as string, [ev('x')], 'any'), 'ERR_EVENT_STORE_INVALID_STREAM', `append to ${JSON.stringify(s)}`);
        await rejectsWithCode(() => collect(store.readStream(s as string)), 'ERR_EVENT_STORE_INVALID_STREAM', `read of ${JSON.stringify(s)}`);
      }
      const s = `${p}ok`;
      const badEvents: [string, NewEvent, string][] = [
        ['empty type', { type: '', data: new Uint8Array(1) }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['system type', { type: '$metadata', data: new Uint8Array(1) }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['control char in type', { type: 'A\tB', data: new Uint8Array(1) }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['data not bytes', { type: 'T', data: 'text' as unknown as Uint8Array }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['metadata not bytes', { type: 'T', data: new Uint8Array(1), metadata: [1] as unknown as Uint8Array }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['id not a uuid', { id: 'not-a-uuid', type: 'T', data: new Uint8Array(1) }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['unknown content type', { type: 'T', data: new Uint8Array(1), contentType: 'text/plain' as 'application/json' }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['invalid JSON', { type: 'T', data: new TextEncoder().encode('{oops'), contentType: 'application/json' }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['non-compact JSON', { type: 'T', data: new TextEncoder().encode('{ "a": 1 }'), contentType: 'application/json' }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['JSON not UTF-8', { type: 'T', data: Uint8Array.of(0x22, 0xff, 0x22), contentType: 'application/json' }, 'ERR_EVENT_STORE_INVALID_EVENT'],
        ['oversized data', { type: 'T', data: new Uint8Array(4 * 1024 * 1024 + 1) }, 'ERR_EVENT_STORE_EVENT_TOO_LARGE'],
        ['oversized data + metadata', { type: 'T', data: new Uint8Array(4 * 1024 * 1024 - 10), metadata: new Uint8Array(11) }, 'ERR_EVENT_STORE_EVENT_TOO_LARGE'],
      ];
      for (const [what, e, code] of badEvents) await rejectsWithCode(() => store.append(s, [ev('fine'), e], 'any'), code, what);
      const badExpected: unknown[] = [-1, 1.5, Number.MAX_SAFE_INTEGER + 2, '0', null, 'sometimes', 1n];
      for (const x of badExpected) await rejectsWithCode(() => store.append(s, [ev('x')], x as 'any'), 'ERR_EVENT_STORE_INVALID_ARGUMENT', `expected ${String(x)}`);
      await rejectsWithCode(() => store.append(s, [], 'any'), 'ERR_EVENT_STORE_INVALID_ARGUMENT', 'empty append');
      await rejectsWithCode(() => collect(store.readStream(s, { from: -1 })), 'ERR_EVENT_STORE_INVALID_ARGUMENT', 'from -1');
      await rejectsWithCode(() => collect(store.readStream(s, { maxCount: 1.5 })), 'ERR_EVENT_STORE_INVALID_ARGUMENT', 'maxCount 1.5');
      await rejectsWithCode(() => store.readAll({ after: -1n }), 'ERR_EVENT_STORE_INVALID_ARGUMENT', 'after -1n');
      await rejectsWithCode(() => store.readAll({ after: 5 as unknown as bigint }), 'ERR_EVENT_STORE_INVALID_ARGUMENT', 'after as number');
      await rejectsWithCode(() => store.readAll({ maxCount: 0 }), 'ERR_EVENT_STORE_INVALID_ARGUMENT', 'maxCount 0');
      assert.equal(await store.headPosition(), head, 'nothing was stored');
      // the exact limit is accepted
      await store.append(s, [{ type: 'T', data: new Uint8Array(4 * 1024 * 1024 - 11), metadata: new Uint8Array(11) }], 'no_stream');
      assert.equal((await collect(store.readStream(s))).length, 1);
    }));
}
