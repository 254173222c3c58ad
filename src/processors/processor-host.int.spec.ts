import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../infrastructure/config.js';
import { openStores, type LedgerStores } from '../infrastructure/stores.js';
import type { ProcessorHost } from './processor.js';
import { startProcessorHost } from './processor-host.js';

const standIn = new URL('./test/stand-in.worker.js', import.meta.url);

/** A host of the stand-in thread over real stores in `dir` (the thread itself opens none). */
async function withHost(dir: string, mode: string, run: (start: () => Promise<ProcessorHost>) => Promise<void>, leading = false): Promise<void> {
  const config = loadConfig({ DATA_DIR: dir, LOG_ID: 'test', OCI_PUBLISHER: 'off', STAND_IN_STARTS: join(dir, 'starts'), STAND_IN_MODE: mode });
  const stores: LedgerStores = await openStores(config, 'service');
  try {
    await run(() => startProcessorHost(config, stores, { script: standIn, leading }));
  } finally {
    await stores.close();
  }
}
const starts = (dir: string): number => readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length;
async function until(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the processors' thread (real worker threads with a stand-in script)", () => {
  it('restarts a thread that died, reporting the processors as not running meanwhile, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-'));
    try {
      await withHost(dir, 'crash-once', async (start) => {
        const h = await start();
        try {
          assert.deepEqual(h.processors.map((p) => p.name), ['stand-in']);
          // the thread throws 100 ms after its first start; the host restarts it after 1 s
          await until(async () => !(await h.processors[0]!.status()).running, 2000);
          const down = await h.processors[0]!.status();
          assert.equal(down.running, false);
          assert.match(down.lastError ?? '', /not running/);
          await until(async () => (await h.processors[0]!.status()).running, 5000);
          assert.equal(starts(dir), 2);
          assert.equal((await h.processors[0]!.status()).position, '2', 'the status comes from the new thread');
          await h.stop();
          const after = await h.processors[0]!.status();
          assert.equal(after.running, false);
          assert.match(after.lastError ?? '', /stopping/);
        } finally {
          await h.stop();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("start() rejects with the thread's own error, its code and its cause, and a thread that never started is not restarted", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-'));
    try {
      await withHost(dir, 'fail', async (start) => {
        await assert.rejects(start(), (err: Error & { code?: string; cause?: Error & { code?: string } }) => {
          assert.match(err.message, /stand-in refuses to start/);
          assert.equal(err.code, 'ERR_STAND_IN');
          assert.equal(err.cause?.message, 'disk on fire');
          assert.equal(err.cause?.code, 'ERR_STAND_IN_CAUSE');
          return true;
        });
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(starts(dir), 1);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the lead reaches the thread: publishers start and stop with it, and a restarted thread starts in the latest state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-'));
    try {
      await withHost(dir, 'crash-once', async (start) => {
        const h = await start();
        try {
          assert.deepEqual(h.processors.map((p) => p.name), ['stand-in'], 'a follower runs no publisher');
          await h.setLeading(true);
          assert.deepEqual(h.processors.map((p) => p.name), ['stand-in', 'stand-in-publisher']);
          // the thread crashes 100 ms after its first start and is started again after 1 s: leading
          await until(async () => starts(dir) === 2 && (await h.processors[0]!.status()).running, 5000);
          assert.deepEqual(h.processors.map((p) => p.name), ['stand-in', 'stand-in-publisher'], 'the new thread was started leading');
          await h.setLeading(false);
          assert.deepEqual(h.processors.map((p) => p.name), ['stand-in']);
        } finally {
          await h.stop();
        }
      });
      await withHost(dir, 'steady', async (start) => {
        const h = await start();
        try {
          assert.deepEqual(h.processors.map((p) => p.name), ['stand-in', 'stand-in-publisher'], 'leading from the start (a single node)');
        } finally {
          await h.stop();
        }
      }, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a registry pause reaches the host as a message when it happens (no polling)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-'));
    try {
      await withHost(dir, 'pause', async (start) => {
        const h = await start();
        try {
          assert.equal(h.pauseOf('r.example'), undefined);
          const t0 = Date.now();
          await until(async () => h.pauseOf('r.example') !== undefined, 2000);
          assert.ok(Date.now() - t0 < 1000, `the pause arrived after ${Date.now() - t0} ms`);
          assert.equal(h.pauseOf('r.example')?.error, 'ERR_X: down');
          assert.equal(h.pauseOf('other.example'), undefined);
        } finally {
          await h.stop();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PROCESSOR_THREAD, PROCESSOR_POLL_MS, PROCESSOR_NICE and PROCESSOR_LINGER_MS are validated with a message naming the variable', () => {
    const p = (env: Record<string, string>) => loadConfig(env, '/srv').processors;
    assert.deepEqual(p({}), { thread: 'worker', pollIntervalMs: 20, nice: 10, lingerMs: 100 });
    assert.deepEqual(p({ PROCESSOR_THREAD: 'main', PROCESSOR_POLL_MS: '5', PROCESSOR_NICE: '0', PROCESSOR_LINGER_MS: '0' }), { thread: 'main', pollIntervalMs: 5, nice: 0, lingerMs: 0 });
    assert.throws(() => p({ PROCESSOR_LINGER_MS: '1001' }), /PROCESSOR_LINGER_MS="1001" is not valid/);
    assert.throws(() => p({ PROCESSOR_THREAD: 'fork' }), /PROCESSOR_THREAD="fork" is not valid/);
    assert.throws(() => p({ PROCESSOR_POLL_MS: '0' }), /PROCESSOR_POLL_MS="0" is not valid/);
    assert.throws(() => p({ PROCESSOR_POLL_MS: '1.5' }), /PROCESSOR_POLL_MS/);
    assert.throws(() => p({ PROCESSOR_NICE: '20' }), /PROCESSOR_NICE="20" is not valid/);
    assert.throws(() => p({ PROCESSOR_NICE: '-5' }), /PROCESSOR_NICE/);
  });
});
