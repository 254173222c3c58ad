import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMemoryCheckpointStore, openSqliteCheckpointStore, type CheckpointStore } from './checkpoint.store.js';

const kinds: [string, () => { store: CheckpointStore; reopen?: () => CheckpointStore; cleanup: () => void }][] = [
  ['memory', () => ({ store: createMemoryCheckpointStore(), cleanup: () => undefined })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
      const path = join(dir, 'sub', 'checkpoints.sqlite');
      return { store: openSqliteCheckpointStore(path), reopen: () => openSqliteCheckpointStore(path), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

for (const [kind, make] of kinds) {
  describe(`checkpoint store: ${kind}`, () => {
    it('loads what was saved, per processor; undefined before the first save', async () => {
      const { store, reopen, cleanup } = make();
      try {
        assert.equal(await store.load('a'), undefined);
        await store.save('a', 5n);
        await store.save('b', 2n ** 62n);
        await store.save('a', 7n);
        assert.equal(await store.load('a'), 7n);
        assert.equal(await store.load('b'), 2n ** 62n);
        await store.close();
        await assert.rejects(store.load('a'), { code: 'ERR_EVENT_STORE_CLOSED' });
        if (reopen) {
          const again = reopen();
          assert.equal(await again.load('a'), 7n, 'durable across reopen');
          assert.equal(await again.load('b'), 2n ** 62n);
          await again.close();
        }
      } finally {
        cleanup();
      }
    });

    it('refuses bad names and positions', async () => {
      const { store, cleanup } = make();
      try {
        for (const bad of [-1n, 2n ** 63n, 5 as unknown as bigint]) await assert.rejects(store.save('a', bad), { code: 'ERR_EVENT_STORE_INVALID_ARGUMENT' });
        for (const bad of ['', 'x'.repeat(257), 3 as unknown as string]) await assert.rejects(store.load(bad), { code: 'ERR_EVENT_STORE_INVALID_ARGUMENT' });
        assert.equal(await store.load('a'), undefined);
      } finally {
        await store.close();
        cleanup();
      }
    });
  });
}
