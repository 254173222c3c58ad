/**
 * Where the background processors that registration never waits for (the OCI referrer publisher,
 * the Kafka publisher) run. By default in their own worker thread (PROCESSOR_THREAD=worker): they
 * do per-claim work (SQLite writes with fsync, OCI layout files, registry and broker I/O) that
 * would otherwise share the event loop with HTTP and the sequencer — measured, it was a quarter of
 * the loop's busy time under load and the main cause of registration's p99 (docs/benchmarks.md).
 * The thread opens its own connections to the event store (a KurrentDB client, or the SQLite
 * file, polled every PROCESSOR_POLL_MS for new events), the log index and the checkpoint store;
 * every processor is checkpointed and idempotent, so nothing depends on which thread runs it.
 *
 * If the thread dies, the host logs why and starts it again with backoff (1 s doubling to 30 s);
 * /health/details shows the processors as not running meanwhile. PROCESSOR_THREAD=main runs them
 * on the main thread instead (one thread to debug or profile). The thread runs at nice
 * PROCESSOR_NICE (default 10; Linux nice values are per thread): it catches up when the CPU is free.
 */
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { RegistryPause } from '../publisher/publication.worker.js';
import { startProcessorRuntime } from './processor-runtime.js';
import type { ProcessorsWorkerData } from './processors.worker.js';
import type { ProcessorDeps, ProcessorStatus, ServiceProcessor } from './service-processor.js';

export interface ProcessorHost {
  readonly processors: readonly ServiceProcessor[];
  pauseOf(registry: string): RegistryPause | undefined;
  /**
   * The processors' metrics when they live in another thread's registry (prom-client JSON, merged
   * into /metrics); `[]` when they run on this thread (they are in its registry already).
   */
  metrics(): Promise<MetricJson>;
  stop(): Promise<void>;
}

export type ProcessorThread = 'worker' | 'main';

export function processorThreadOf(env: Readonly<Record<string, string | undefined>>): { thread: ProcessorThread; pollIntervalMs: number; nice: number } {
  const thread = (env.PROCESSOR_THREAD ?? 'worker').toLowerCase();
  if (thread !== 'worker' && thread !== 'main') throw new Error(`PROCESSOR_THREAD=${JSON.stringify(env.PROCESSOR_THREAD)} is not valid: expected worker or main`);
  const poll = env.PROCESSOR_POLL_MS ?? '20';
  const pollIntervalMs = Number(poll);
  if (!/^\d+$/.test(poll) || pollIntervalMs < 1 || pollIntervalMs > 10_000) throw new Error(`PROCESSOR_POLL_MS=${JSON.stringify(poll)} is not valid: expected a whole number of milliseconds from 1 to 10000`);
  const niceRaw = env.PROCESSOR_NICE ?? '10';
  const nice = Number(niceRaw);
  if (!/^\d+$/.test(niceRaw) || nice > 19) throw new Error(`PROCESSOR_NICE=${JSON.stringify(niceRaw)} is not valid: expected a nice value from 0 (normal priority) to 19 (lowest)`);
  return { thread, pollIntervalMs, nice };
}

const pauseLookup = (pauses: () => readonly RegistryPause[]) => (registry: string): RegistryPause | undefined => {
  const now = Date.now();
  return pauses().find((p) => p.registry === registry && p.until > now);
};

/** Starts the processors where PROCESSOR_THREAD says; resolves once they run (rejects if they can't start). */
export async function startProcessorHost(deps: ProcessorDeps): Promise<ProcessorHost> {
  const { thread, pollIntervalMs, nice } = processorThreadOf(deps.env);
  if (thread === 'main') {
    const runtime = await startProcessorRuntime(deps);
    return { processors: runtime.processors, pauseOf: pauseLookup(() => runtime.pauses()), metrics: async () => [], stop: () => runtime.stop() };
  }
  const host = new WorkerHost({ config: deps.config, env: { ...deps.env }, logId: deps.logId, pollIntervalMs, nice });
  await host.start();
  return host;
}

/** A thread's registry as `Registry.getMetricsAsJSON()` gives it. */
export type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** The thread side of PROCESSOR_THREAD=worker (exported for its tests, which give it a stand-in thread script). */
export class WorkerHost implements ProcessorHost {
  private readonly logger = new Logger('processors');
  private worker: Worker | undefined;
  private names: string[] = [];
  private pauses: RegistryPause[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopping: Promise<void> | undefined;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastExit: string | undefined;
  constructor(
    private readonly data: ProcessorsWorkerData,
    private readonly script: URL = new URL('./processors.worker.js', import.meta.url),
  ) {}

  /** One proxy per processor the thread runs (known once it reported ready). */
  get processors(): readonly ServiceProcessor[] {
    return this.names.map((n) => this.proxy(n));
  }

  pauseOf(registry: string): RegistryPause | undefined {
    return pauseLookup(() => this.pauses)(registry);
  }

  /** Starts the thread; rejects with the thread's own error message if its processors can't start. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.script, { workerData: this.data });
      this.worker = worker;
      let ready = false;
      worker.on('message', (msg: { type: string; id?: number; names?: string[]; message?: string; statuses?: ProcessorStatus[]; metrics?: MetricJson; error?: string; pauses?: RegistryPause[] }) => {
        if (msg.type === 'ready') {
          ready = true;
          this.names = msg.names ?? [];
          this.restarts = 0;
          resolve();
        } else if (msg.type === 'failed') {
          reject(new Error(msg.message));
        } else if (msg.type === 'status' || msg.type === 'metrics') {
          const p = this.pending.get(msg.id!);
          this.pending.delete(msg.id!);
          if (msg.error !== undefined) p?.reject(new Error(msg.error));
          else p?.resolve((msg.type === 'status' ? msg.statuses : msg.metrics) ?? []);
        } else if (msg.type === 'pauses') {
          this.pauses = msg.pauses ?? [];
        } else if (msg.type === 'stopped' && msg.error) {
          this.logger.error(`processors stopped with an error: ${msg.error}`);
        }
      });
      worker.on('error', (err) => {
        this.lastExit = err.stack ?? err.message;
        if (!ready) reject(err);
        else this.logger.error(`the processors' thread failed: ${err.stack ?? err.message}`);
      });
      worker.on('exit', (code) => {
        for (const p of this.pending.values()) p.reject(new Error(`the processors' thread exited (code ${code})`));
        this.pending.clear();
        if (this.worker === worker) this.worker = undefined;
        if (!ready) return reject(new Error(`the processors' thread exited (code ${code}) before its processors started${this.lastExit ? `: ${this.lastExit}` : ''}`));
        if (this.stopping) return;
        const delay = Math.min(30_000, 1000 * 2 ** this.restarts++);
        this.logger.error(`the processors' thread exited (code ${code}); starting it again in ${delay} ms`);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          if (this.stopping) return;
          this.start().catch((err) => this.logger.error(`couldn't restart the processors: ${(err as Error).message}`));
        }, delay);
        this.restartTimer.unref();
      });
    });
  }

  private statuses(): Promise<ProcessorStatus[]> {
    return this.ask('status');
  }

  /** The thread's metrics registry (rejects when the thread is not running or does not answer). */
  metrics(): Promise<MetricJson> {
    return this.ask('metrics');
  }

  private ask<T>(type: 'status' | 'metrics'): Promise<T> {
    const worker = this.worker;
    if (!worker || this.stopping) return Promise.reject(new Error(this.stopping ? 'the processors are stopping' : `the processors' thread is not running${this.lastExit ? ` (last error: ${this.lastExit.split('\n')[0]})` : ''}`));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error("the processors' thread did not answer within 5 s"));
      }, 5000);
      timer.unref();
      this.pending.set(id, {
        resolve: (s) => (clearTimeout(timer), resolve(s as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      worker.postMessage({ type, id });
    });
  }

  private proxy(name: string): ServiceProcessor {
    return {
      name,
      status: async () => {
        try {
          const s = (await this.statuses()).find((x) => x.name === name);
          return s ?? { name, running: false, position: '', lastError: 'not running in the processors thread' };
        } catch (err) {
          return { name, running: false, position: '', lastError: (err as Error).message };
        }
      },
      stop: () => this.stop(),
    };
  }

  /** Stops the processors (each after its batch in hand) and ends the thread. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      if (this.restartTimer) clearTimeout(this.restartTimer);
      const worker = this.worker;
      if (!worker) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' });
      // The processors stop after their batch in hand; a thread that hangs is ended after 30 s.
      const timer = setTimeout(() => {
        this.logger.error("the processors' thread did not stop within 30 s: terminating it");
        void worker.terminate();
      }, 30_000);
      await exited;
      clearTimeout(timer);
    })());
  }
}
