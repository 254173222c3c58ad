/**
 * A preload that records what each thread of a process allocates, for the GC's share of a
 * benchmark (V8's GC helper threads cost ≈ 38 µs a registration under `bench:register`, more than
 * any function but the verify: docs/benchmarks.md, #17 sixteenth pass). Every thread that loads it
 * (node passes `--import` on to worker threads) starts V8's sampling heap profiler after
 * HEAP_SAMPLE_AFTER_MS (default 8000), counting objects the GC collected as well as live ones, and
 * writes `HEAP_SAMPLE_DIR/heap-<pid>-<thread id>.heapprofile` HEAP_SAMPLE_FOR_MS later (default
 * 8000). HEAP_SAMPLE_INTERVAL: mean bytes between samples (default 4096). Without HEAP_SAMPLE_DIR
 * it does nothing. The profiler slows the process (≈ 25 % fewer registrations/s): compare shares
 * and bytes per registration, not throughput.
 *
 * Run: `npm run build && BENCH_NODE_ARGS="--import ./dist/test/bench/heap-sampler.js" HEAP_SAMPLE_DIR=/tmp/heap
 * BENCH_AB="|" BENCH_AB_MODE=saturated BENCH_AB_ROUNDS=1 BENCH_SECONDS=20 node dist/test/bench/register.bench.js`,
 * then `node dist/test/bench/heap-summary.js /tmp/heap/heap-<pid>-0.heapprofile --per <registrations in the window>`.
 */
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const dir = process.env.HEAP_SAMPLE_DIR;
if (dir) {
  const after = Number(process.env.HEAP_SAMPLE_AFTER_MS ?? 8000);
  const span = Number(process.env.HEAP_SAMPLE_FOR_MS ?? 8000);
  const samplingInterval = Number(process.env.HEAP_SAMPLE_INTERVAL ?? 4096);
  const session = new Session();
  session.connect();
  const fail = (what: string) => (err: Error | null): void => {
    if (err) process.stderr.write(`heap-sampler: couldn't ${what}: ${err.message}\n`);
  };
  setTimeout(() => {
    session.post('HeapProfiler.startSampling', { samplingInterval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, fail('start sampling'));
    setTimeout(() => {
      session.post('HeapProfiler.stopSampling', (err, r) => {
        if (err) return fail('stop sampling')(err);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `heap-${process.pid}-${threadId}.heapprofile`), JSON.stringify(r.profile));
      });
    }, span).unref();
  }, after).unref();
}
