import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collect, take } from './contract/contract.support.js';
import { runEventStoreContract } from './contract/event-store.contract.js';
import { ConcurrencyError } from './event-store.errors.js';
import { openSqliteEventStore } from './sqlite.factory.js';

function tempDir(): { dir: string; rm: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'event-store-'));
  return { dir, rm: () => rmSync(dir, { recursive: true, force: true }) };
}

runEventStoreContract('sqlite on the main thread', async () => {
  const { dir, rm } = tempDir();
  const path = join(dir, 'data', 'events.sqlite');
  const store = await openSqliteEventStore({ path, worker: false });
  return {
    store,
    reopen: () => openSqliteEventStore({ path, worker: false }),
    cleanup: async () => {
      await store.close();
      rm();
    },
  };
});

runEventStoreContract('sqlite in a worker thread (default)', async () => {
  const { dir, rm } = tempDir();
  const path = join(dir, 'data', 'events.sqlite');
  const store = await openSqliteEventStore({ path });
  return {
    store,
    reopen: () => openSqliteEventStore({ path }),
    cleanup: async () => {
      await store.close();
      rm();
    },
  };
});

runEventStoreContract('sqlite on the main thread, keeping the last 3 events read (recentEvents)', async () => {
  const { dir, rm } = tempDir();
  const path = join(dir, 'data', 'events.sqlite');
  const store = await openSqliteEventStore({ path, worker: false, recentEvents: 3 });
  return {
    store,
    reopen: () => openSqliteEventStore({ path, worker: false, recentEvents: 3 }),
    cleanup: async () => {
      await store.close();
      rm();
    },
  };
});

const ev = (s: string, type = 'T') => ({ type, data: new TextEncoder().encode(s) });

describe('sqlite event store', () => {
  it('uses WAL and refuses a file that is not a database', async () => {
    const { dir, rm } = tempDir();
    try {
      const path = join(dir, 'events.sqlite');
      const store = await openSqliteEventStore({ path });
      await store.append('s-1', [ev('a')], 'no_stream');
      const raw = new Database(path, { readonly: true });
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.pragma('user_version', { simple: true }), 1);
      raw.close();
      await store.close();
      const junk = join(dir, 'junk.sqlite');
      writeFileSync(junk, 'this is not a database, just some bytes that are long enough to look like a header '.repeat(10));
      await assert.rejects(openSqliteEventStore({ path: junk }), { code: 'ERR_EVENT_STORE_UNAVAILABLE' });
    } finally {
      rm();
    }
  });

  it('a failure inside the write transaction leaves nothing (injected with a trigger)', async () => {
    const { dir, rm } = tempDir();
    try {
      const path = join(dir, 'events.sqlite');
      const store = await openSqliteEventStore({ path });
      await store.append('s-1', [ev('a')], 'no_stream');
      const raw = new Database(path);
      raw.exec("CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.type = 'Poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END;");
      raw.close();
      const head = await store.headPosition();
      await assert.rejects(store.append('s-1', [ev('b'), ev('c'), ev('d', 'Poison')], 0), (err: { code?: string; message: string }) => {
        assert.equal(err.code, 'ERR_EVENT_STORE_UNAVAILABLE');
        assert.match(err.message, /poisoned/);
        return true;
      });
      assert.equal(await store.headPosition(), head);
      assert.deepEqual((await collect(store.readStream('s-1'))).map((e) => e.revision), [0]);
      assert.equal((await store.append('s-1', [ev('b')], 0)).nextExpectedRevision, 1);
      await store.close();
    } finally {
      rm();
    }
  });

  it('two connections on one file: one winner per revision; subscriptions see the other writer', async () => {
    const { dir, rm } = tempDir();
    try {
      const path = join(dir, 'events.sqlite');
      const a = await openSqliteEventStore({ path, pollIntervalMs: 20 });
      const b = await openSqliteEventStore({ path, pollIntervalMs: 20 });
      const sub = a.subscribeToAll();
      await a.append('s-1', [ev('0')], 'no_stream');
      const results = await Promise.allSettled([a.append('s-1', [ev('a1')], 0), b.append('s-1', [ev('b1')], 0)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(lost.reason instanceof ConcurrencyError);
      assert.equal(lost.reason.actual, 1);
      await b.append('s-2', [ev('from b')], 'no_stream');
      const got = await take(sub, 3, 5000);
      assert.deepEqual(got.map((e) => e.stream), ['s-1', 's-1', 's-2']);
      await sub.close();
      await a.close();
      await b.close();
    } finally {
      rm();
    }
  });
});

describe('sqlite event store keeping recent events', () => {
  it('reads what a plain connection reads, whatever the pages asked, while another connection appends', async () => {
    const { dir, rm } = tempDir();
    try {
      const path = join(dir, 'events.sqlite');
      const writer = await openSqliteEventStore({ path, worker: false });
      const plain = await openSqliteEventStore({ path, worker: false });
      const kept = await openSqliteEventStore({ path, worker: false, recentEvents: 7 });
      let seed = 7;
      const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
      let revision = -1;
      const ids = (es: { position: bigint; id: string }[]): string[] => es.map((e) => `${e.position}:${e.id}`);
      for (let round = 0; round < 300; round++) {
        if (rnd(3) === 0) {
          const n = 1 + rnd(4);
          const r = await writer.append('s-1', Array.from({ length: n }, (_, i) => ev(`r${round}e${i}`)), revision < 0 ? 'no_stream' : revision);
          revision = r.nextExpectedRevision;
        }
        const head = Number(await plain.headPosition());
        const after = BigInt(rnd(head + 2));
        const maxCount = 1 + rnd(9);
        assert.deepEqual(ids(await kept.readAll({ after, maxCount })), ids(await plain.readAll({ after, maxCount })), `round ${round}: after ${after}, ${maxCount}`);
      }
      for (const s of [writer, plain, kept]) await s.close();
    } finally {
      rm();
    }
  });

  it('hands two subscriptions that follow the log together the same event objects (read and decoded once)', async () => {
    const { dir, rm } = tempDir();
    try {
      const store = await openSqliteEventStore({ path: join(dir, 'events.sqlite'), worker: false, recentEvents: 64 });
      await store.append('s-1', Array.from({ length: 10 }, (_, i) => ev(`e${i}`)), 'no_stream');
      const a = await take(store.subscribeToAll(), 10);
      const b = await take(store.subscribeToAll(), 10);
      assert.equal(a.length, 10);
      a.forEach((e, i) => assert.equal(b[i], e, `event ${i}: the same object`));
      await store.close();
    } finally {
      rm();
    }
  });
});
