import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { registerThreadCpu, threadCpuSeconds } from './thread-cpu.js';

const linux = threadCpuSeconds() !== undefined;
const valueOf = async (r: Registry, thread: string): Promise<number> => {
  const m = (await r.getMetricsAsJSON()).find((x) => x.name === 'scitt_thread_cpu_seconds_total');
  return (m?.values as { value: number; labels: Record<string, string> }[] | undefined)?.find((v) => v.labels.thread === thread)?.value ?? NaN;
};
const burn = (ms: number): void => {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
};

describe('thread CPU metric', { skip: linux ? false : 'no /proc/thread-self here (not Linux): the metric is not registered' }, () => {
  it('given a thread that burns CPU, then its counter grows by about that much, and another thread\'s own work is not counted in it', async () => {
    const r = new Registry();
    registerThreadCpu(r, 'main');
    const before = await valueOf(r, 'main');
    burn(300);
    const after = await valueOf(r, 'main');
    assert.ok(after - before >= 0.2 && after - before < 1, `counted ${after - before} s for 0.3 s of work`);
    // a worker thread burning 300 ms of its own CPU moves its own reading, not this thread's
    const theirs = await new Promise<number>((resolve, reject) => {
      const w = new Worker(
        `import(${JSON.stringify(new URL('./thread-cpu.js', import.meta.url).href)}).then(({ threadCpuSeconds }) => {
           const t0 = threadCpuSeconds(); const end = performance.now() + 300; let x = 0; while (performance.now() < end) x += Math.sqrt(x + 1);
           require('node:worker_threads').parentPort.postMessage(threadCpuSeconds() - t0);
         });`,
        { eval: true },
      );
      w.once('message', resolve);
      w.once('error', reject);
    });
    const mine = await valueOf(r, 'main');
    assert.ok(theirs >= 0.2, `the worker read ${theirs} s of its own`);
    assert.ok(mine - after < 0.15, `this thread's counter moved ${mine - after} s while the worker burned`);
  });
});
