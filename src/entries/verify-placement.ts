/**
 * Where the service verifies statement signatures (`VERIFY_PLACEMENT`, docs/operations.md):
 * - `pool`: always on the libuv threadpool, off the event loop;
 * - `inline`: always on the HTTP thread, synchronously (no hand-off to a pool thread and back);
 * - `auto` (the default): inline while the HTTP thread used less than {@link AUTO_BUSY} of a core
 *   over the last {@link AUTO_WINDOW_MS}, on the pool above — when that thread is the bottleneck
 *   and other cores can take the verifications (a machine with more cores than this one's 2).
 *
 * Why: a verify costs 74–126 µs of a core on the 2-core machines measured, and handing it to a
 * sleeping pool thread and back cost about as much again. There, at 1,000 registrations/s, inline
 * took 10–12 % off the service's CPU per registration and 37–49 % off the p50; saturated it measured
 * the same as the pool within the noise (the HTTP thread used 0.65–0.8 of a core there). See docs/benchmarks.md, #17 tenth pass. The signal is the
 * thread's own CPU (/proc/thread-self, ticks of 10 ms): the event loop's utilization counts the
 * time the thread waits for a core, and read 0.8–0.9 at 1,000/s with the thread using 0.6 of one.
 * Without /proc (not Linux) `auto` reads the event loop's utilization instead.
 *
 * Either way, a statement over {@link INLINE_MAX_BYTES} (its Sig_structure: the payload is hashed
 * with it) verifies on the pool: hashing a megabyte takes milliseconds, which the event loop must
 * not spend on one request, as the content parser and the CEL rules keep large payloads off it too.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { createNodeCryptoBackend, type CryptoBackend } from '../../libs/cose/src/index.js';
import { threadCpuSeconds } from '../metrics/thread-cpu.js';

export type VerifyPlacement = 'pool' | 'inline' | 'auto';

/** the share of a core the HTTP thread used above which `auto` hands verifications to the pool */
export const AUTO_BUSY = 0.85;
/** the largest Sig_structure verified on the HTTP thread (`auto`, `inline`); above, the pool */
export const INLINE_MAX_BYTES = 64 * 1024;
/** how often `auto` looks */
export const AUTO_WINDOW_MS = 1000;

/** How busy the calling thread was since the last call: its CPU per wall second, or its event loop's utilization. */
export function busyMeter(): () => number {
  let wall = performance.now();
  let cpu = threadCpuSeconds();
  if (cpu !== undefined) {
    return () => {
      const nowWall = performance.now();
      const nowCpu = threadCpuSeconds() ?? cpu!;
      const share = (1000 * (nowCpu - cpu!)) / Math.max(1, nowWall - wall);
      wall = nowWall;
      cpu = nowCpu;
      return share;
    };
  }
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u;
  };
}

/**
 * A node:crypto backend verifying where `placement` says (`auto`: measured on the calling thread),
 * and how to stop `auto`'s sampling. `windowMs` and `busy`: for tests.
 */
export function verifyingBackend(placement: VerifyPlacement, windowMs = AUTO_WINDOW_MS, busy: () => number = busyMeter()): { backend: CryptoBackend; close: () => void } {
  if (placement === 'pool') return { backend: createNodeCryptoBackend(), close: () => undefined };
  if (placement === 'inline') return { backend: createNodeCryptoBackend({ inline: (bytes) => bytes <= INLINE_MAX_BYTES }), close: () => undefined };
  let inline = true;
  const timer = setInterval(() => {
    inline = busy() < AUTO_BUSY;
  }, windowMs);
  timer.unref();
  return { backend: createNodeCryptoBackend({ inline: (bytes) => inline && bytes <= INLINE_MAX_BYTES }), close: () => clearInterval(timer) };
}
