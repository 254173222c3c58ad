/**
 * `scitt_thread_cpu_seconds_total{thread}`: the CPU time (user + system) of the service's busiest
 * threads, by name — the HTTP thread (`main`) and the background processors' thread
 * (`processors`). `process_cpu_seconds_total` minus both is the rest: the event store's worker,
 * signature verification on the libuv pool, V8's GC and compiler threads. Which thread is busy
 * says where to look (a saturated `main`: HTTP and sequencing; `processors`: projections and the
 * publisher falling behind), and the register bench splits its CPU per registration with it.
 *
 * Linux only (read from /proc/thread-self/stat, in clock ticks of 10 ms): elsewhere the metric is
 * not registered.
 */
import { readFileSync } from 'node:fs';
import { Counter, type Registry } from 'prom-client';

/**
 * CPU seconds (user + system) of the process or thread whose /proc `stat` file is `path`
 * (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`, `/proc/thread-self/stat`), or undefined when
 * it can't be read (not Linux, gone). The benches read other processes' CPU with it too.
 */
export function statCpuSeconds(path: string): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  // fields after the command name, which is in parentheses and may hold spaces: utime and stime are fields 14 and 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / 100 : undefined;
}

/** The calling thread's CPU seconds so far (user + system), or undefined where /proc has no thread-self. */
export const threadCpuSeconds = (): number | undefined => statCpuSeconds('/proc/thread-self/stat');

/** Counts the calling thread's CPU under `thread` in `registry`, read at each scrape (from this thread). */
export function registerThreadCpu(registry: Registry, thread: string): void {
  if (threadCpuSeconds() === undefined) return;
  let counted = 0;
  new Counter({
    name: 'scitt_thread_cpu_seconds_total',
    help: 'CPU seconds (user + system) of the service thread named by the label: main (HTTP, sequencing) or processors (projections, publishers); the rest of process_cpu_seconds_total is the event store worker, signature verification and V8',
    labelNames: ['thread'] as const,
    registers: [registry],
    collect() {
      const now = threadCpuSeconds();
      if (now !== undefined && now > counted) {
        this.inc({ thread }, now - counted);
        counted = now;
      } else if (counted === 0) this.inc({ thread }, 0); // listed from the first scrape
    },
  });
}
