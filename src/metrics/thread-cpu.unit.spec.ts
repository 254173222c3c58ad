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
/** Works until this process has used `ms` more of CPU (not of wall time: a busy machine preempts the test). */
const burn = (ms: number): void => {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + 1);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
};

describe('thread CPU metric', { skip: linux ? false : 'no /proc/thread-self here (not Linux): the metric is not registered' }, () => {
  it('given a thread that burns CPU, then its counter grows by about that much, and another thread\'s own work is not counted in it', async () => {
    const r = new Registry();
    registerThreadCpu(r, 'main');
    const before = await valueOf(r, 'main');
    burn(300);
    const after = await valueOf(r, 'main');
    assert.ok(after - before >= 0.2 && after - before <= 0.35, `counted ${after - before} s for 0.3 s of this process's CPU`);
    // a worker thread burning 300 ms of its own CPU moves its own reading, not this thread's
    const theirs = await new Promise<number>((resolve, reject) => {
      const w = new Worker(
        `import(${JSON.stringify(new URL('./thread-cpu.js', import.meta.url).href)}).then(({ threadCpuSeconds }) => {
           const t0 = threadCpuSeconds(); let x = 0;
           while (threadCpuSeconds() - t0 < 0.3) for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + 1);
           require('node:worker_threads').parentPort.postMessage(threadCpuSeconds() - t0);
         });`,
        { eval: true },
      );
      w.once('message', resolve);
      w.once('error', reject);
    });
    const mine = await valueOf(r, 'main');
    assert.ok(theirs >= 0.3, `the worker read ${theirs} s of its own`);
    assert.ok(mine - after < 0.15, `this thread's counter moved ${mine - after} s while the worker burned`);
  });
});
