import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../infrastructure/config.js';
import { WorkerHost, processorThreadOf } from './processor-host.js';

const standIn = new URL('./test/stand-in.worker.js', import.meta.url);

function host(dir: string, mode: string): WorkerHost {
  const env = { STAND_IN_STARTS: join(dir, 'starts'), STAND_IN_MODE: mode };
  return new WorkerHost({ config: loadConfig({ DATA_DIR: dir }), env, logId: 'test', pollIntervalMs: 20, nice: 0 }, standIn);
}

const starts = (dir: string): number => readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length;

async function until(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the processors' thread (WorkerHost, real worker threads with a stand-in script)", () => {
  it('restarts a thread that died, reporting the processors as not running meanwhile, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-'));
    const h = host(dir, 'crash-once');
    try {
      await h.start();
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
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("start() rejects with the thread's own reason when its processors can't start", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-'));
    try {
      await assert.rejects(host(dir, 'fail').start(), /stand-in refuses to start/);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(starts(dir), 1, 'a thread that never started is not restarted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PROCESSOR_THREAD, PROCESSOR_POLL_MS and PROCESSOR_NICE are validated with a message naming the variable', () => {
    assert.deepEqual(processorThreadOf({}), { thread: 'worker', pollIntervalMs: 20, nice: 10 });
    assert.deepEqual(processorThreadOf({ PROCESSOR_THREAD: 'main', PROCESSOR_POLL_MS: '5', PROCESSOR_NICE: '0' }), { thread: 'main', pollIntervalMs: 5, nice: 0 });
    assert.throws(() => processorThreadOf({ PROCESSOR_THREAD: 'fork' }), /PROCESSOR_THREAD="fork" is not valid/);
    assert.throws(() => processorThreadOf({ PROCESSOR_POLL_MS: '0' }), /PROCESSOR_POLL_MS="0" is not valid/);
    assert.throws(() => processorThreadOf({ PROCESSOR_POLL_MS: '1.5' }), /PROCESSOR_POLL_MS/);
    assert.throws(() => processorThreadOf({ PROCESSOR_NICE: '20' }), /PROCESSOR_NICE="20" is not valid/);
    assert.throws(() => processorThreadOf({ PROCESSOR_NICE: '-5' }), /PROCESSOR_NICE/);
  });
});
