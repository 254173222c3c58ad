/**
 * openStores(config, role) against real files: what each role opens, that the rebuild takes the
 * data directory's lock (it refuses beside a holder, and a service can't start while it runs),
 * and that roles other than the service never create a data directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.js';
import { DataDirLockedError, lockDataDir } from './data-dir.lock.js';
import { openStores } from './stores.js';

const withDir = async (run: (dir: string) => Promise<void>): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'stores-'));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('openStores', () => {
  it('service: creates the data directory, a log id, the stores and the lock; close releases everything', () =>
    withDir(async (root) => {
      const dataDir = join(root, 'fresh');
      const config = loadConfig({ DATA_DIR: dataDir, SQLITE_CHECKPOINT_MS: '50' });
      const stores = await openStores(config, 'service');
      try {
        assert.match(stores.logId, /^[0-9a-f]{32}$/);
        assert.deepEqual(
          readdirSync(dataDir).filter((f) => !/-(wal|shm|journal)$/.test(f)).sort(),
          ['checkpoints.sqlite', 'events.sqlite', 'ledger.lock', 'ledger.pid', 'log-id', 'log-index.sqlite'],
        );
        assert.throws(() => lockDataDir(dataDir), DataDirLockedError);
        assert.equal(await stores.store.headPosition(), 0n);
      } finally {
        await stores.close();
      }
      lockDataDir(dataDir).release(); // free again
      assert.equal((await openStores(config, 'service').then(async (s) => (await s.close(), s.logId))), stores.logId, 'the log id is kept');
    }));

  it('rebuild: takes the lock, so it refuses beside a holder and a service refuses beside it', () =>
    withDir(async (dataDir) => {
      const config = loadConfig({ DATA_DIR: dataDir, LOG_ID: 'test-log' });
      const held = lockDataDir(dataDir);
      await assert.rejects(openStores(config, 'rebuild'), (e: Error & { code?: string }) => e.code === 'ERR_DATA_DIR_LOCKED' && /stop it first/.test(e.message));
      held.release();

      const rebuild = await openStores(config, 'rebuild');
      try {
        assert.equal(rebuild.logId, 'test-log');
        assert.equal('index' in rebuild, false, 'the rebuild opens the event store only');
        await assert.rejects(openStores(config, 'service'), DataDirLockedError);
      } finally {
        await rebuild.close();
      }
      await (await openStores(config, 'service')).close();
    }));

  it('rebuild and processors never create a data directory, and need a log id', () =>
    withDir(async (root) => {
      const dataDir = join(root, 'missing');
      const config = loadConfig({ DATA_DIR: dataDir });
      await assert.rejects(openStores(config, 'rebuild'), /couldn't find the log id: no LOG_ID and no .*log-id \(has the service ever run/);
      await assert.rejects(openStores(config, 'processors'), /couldn't find the log id/);
      assert.equal(existsSync(dataDir), false);
    }));

  it('processors: the same files as the service, without the lock (the service in the same process holds it)', () =>
    withDir(async (dataDir) => {
      const config = loadConfig({ DATA_DIR: dataDir, LOG_ID: 'test-log' });
      const service = await openStores(config, 'service');
      try {
        const processors = await openStores(config, 'processors');
        try {
          assert.equal(processors.logId, 'test-log');
          assert.equal(processors.index.appliedEvents(), service.index.appliedEvents());
          assert.equal(await processors.store.headPosition(), 0n);
        } finally {
          await processors.close();
        }
      } finally {
        await service.close();
      }
    }));
});
