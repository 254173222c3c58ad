/**
 * Where the background processors that registration never waits for (the projections' writer,
 * the OCI referrer publisher, the Kafka publisher) run. By default in their own worker thread
 * (PROCESSOR_THREAD=worker): they do per-claim work (SQLite writes with fsync, OCI layout files,
 * registry and broker I/O) that would otherwise share the event loop with HTTP and the sequencer —
 * measured, it was a quarter of the loop's busy time under load and the main cause of
 * registration's p99 (docs/benchmarks.md). The thread opens its own stores
 * (`openStores(config, 'processors')`: the event store polled every PROCESSOR_POLL_MS, the log
 * index, the checkpoint store); every processor is checkpointed and idempotent, so nothing depends
 * on which thread runs it.
 *
 * If the thread dies, the host logs why and starts it again with backoff (1 s doubling to 30 s);
 * /health/details shows the processors as not running meanwhile. PROCESSOR_THREAD=main runs them
 * on the main thread instead (one thread to debug or profile). The thread runs at nice
 * PROCESSOR_NICE (default 10; Linux nice values are per thread): it catches up when the CPU is free.
 */
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { RpcClient, type RpcArgs } from '../../libs/threads/src/index.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import type { LedgerStores } from '../infrastructure/stores.js';
import type { RegistryPause } from '../publisher/publication.worker.js';
import type { MetricJson, Processor, ProcessorHost, ProcessorStatus } from './processor.js';
import type { ProcessorsWorkerApi, ProcessorsWorkerData, ProcessorsWorkerPush } from './processors.protocol.js';
import { activePause, runProcessors } from './run-processors.js';

export interface ProcessorHostOptions {
  /** the HTTP thread's Prometheus registry (PROCESSOR_THREAD=main: the processors' metrics go there) */
  readonly metrics?: Registry;
  /** the thread's script (tests give a stand-in) */
  readonly script?: URL;
  /** start the publishers at once (default true: a single node; with several, whether this node leads) */
  readonly leading?: boolean;
}

/**
 * Starts the processors where PROCESSOR_THREAD says; resolves once they run, rejects with their
 * own reason if they can't start. `stores` are the HTTP thread's (used with PROCESSOR_THREAD=main).
 */
export async function startProcessorHost(config: ServiceConfig, stores: LedgerStores, o: ProcessorHostOptions = {}): Promise<ProcessorHost> {
  const leading = o.leading ?? true;
  if (config.processors.thread === 'main') return runProcessors(config, stores, { metrics: o.metrics, leading });
  const host = new ThreadHost(config, o.script ?? new URL('./processors.worker.js', import.meta.url), leading);
  await host.start();
  return host;
}

const GONE = 'ERR_PROCESSORS_THREAD_GONE';

/** Status and metrics calls a thread must answer within (it may be busy, never this long). */
const ANSWER_MS = 5000;

/** PROCESSOR_THREAD=worker: the thread, restarted when it dies, seen through the worker-RPC helper. */
class ThreadHost implements ProcessorHost {
  readonly #logger = new Logger('processors');
  readonly #config: ServiceConfig;
  readonly #script: URL;
  #worker: Worker | undefined;
  #rpc: RpcClient<ProcessorsWorkerApi, ProcessorsWorkerPush> | undefined;
  #names: string[] = [];
  #pauses: RegistryPause[] = [];
  #stopping: Promise<void> | undefined;
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #lastExit: string | undefined;
  /** whether this node leads: the thread runs the publishers (a restarted thread starts with it) */
  #leading: boolean;
  #leadChange: Promise<void> = Promise.resolve();

  constructor(config: ServiceConfig, script: URL, leading: boolean) {
    this.#config = config;
    this.#script = script;
    this.#leading = leading;
  }

  /** One proxy per processor the thread runs (known once it started). */
  get processors(): readonly Processor[] {
    return this.#names.map((n) => this.#proxy(n));
  }

  pauseOf(registry: string): RegistryPause | undefined {
    return activePause(this.#pauses, registry);
  }

  /** Starts the thread and its processors; rejects with the thread's own error if they can't start. */
  async start(): Promise<void> {
    const data: ProcessorsWorkerData = this.#config.source;
    const worker = new Worker(this.#script, { workerData: data });
    const rpc = new RpcClient<ProcessorsWorkerApi, ProcessorsWorkerPush>(worker, {
      timeoutMs: ANSWER_MS,
      onPush: (push) => (this.#pauses = push.pauses),
      gone: (reason) => Object.assign(new Error(`the processors' thread is not running: ${(reason as Error)?.message ?? String(reason)}`, { cause: reason }), { code: GONE }),
    });
    let started = false;
    worker.on('error', (err) => {
      this.#lastExit = err.stack ?? err.message;
      if (started) this.#logger.error(`the processors' thread failed: ${err.stack ?? err.message}`);
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) {
        this.#worker = undefined;
        this.#rpc = undefined;
      }
      if (started && !this.#stopping) this.#restartLater(code);
    });
    this.#worker = worker;
    this.#rpc = rpc;
    try {
      this.#names = await rpc.call('start', [this.#leading], { timeoutMs: Infinity }); // a projection rebuild may take long
    } catch (err) {
      await worker.terminate();
      const why = this.#lastExit ? `: ${this.#lastExit}` : '';
      throw (err as { code?: string }).code === GONE ? new Error(`the processors' thread exited before its processors started${why}`, { cause: err }) : err;
    }
    started = true;
    this.#restarts = 0;
  }

  /**
   * Tells the thread to start or stop the publishers (in order of the calls). A thread that is not
   * running starts in the latest state when it is started again.
   */
  setLeading(leading: boolean): Promise<void> {
    this.#leading = leading;
    const next = this.#leadChange.then(async () => {
      const rpc = this.#rpc;
      if (!rpc || this.#stopping) return;
      this.#names = await rpc.call('lead', [leading], { timeoutMs: Infinity }); // stopping waits for the batch in hand
    });
    this.#leadChange = next.catch(() => undefined);
    return next;
  }

  #restartLater(code: number): void {
    const delay = Math.min(30_000, 1000 * 2 ** this.#restarts++);
    this.#logger.error(`the processors' thread exited (code ${code}); starting it again in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopping) return;
      this.start().catch((err) => this.#logger.error(`couldn't restart the processors: ${(err as Error).message}`));
    }, delay);
    this.#restartTimer.unref();
  }

  #ask<K extends 'status' | 'metrics'>(op: K): ReturnType<ProcessorsWorkerApi[K]> {
    const rpc = this.#rpc;
    if (!rpc || this.#stopping) {
      const why = this.#stopping ? 'the processors are stopping' : `the processors' thread is not running${this.#lastExit ? ` (last error: ${this.#lastExit.split('\n')[0]})` : ''}`;
      return Promise.reject(new Error(why)) as ReturnType<ProcessorsWorkerApi[K]>;
    }
    return rpc.call(op, [] as RpcArgs<ProcessorsWorkerApi[K]>) as ReturnType<ProcessorsWorkerApi[K]>;
  }

  /** The thread's metrics registry (rejects when the thread is not running or does not answer). */
  metrics(): Promise<MetricJson> {
    return this.#ask('metrics');
  }

  #proxy(name: string): Processor {
    return {
      name,
      status: async (): Promise<ProcessorStatus> => {
        try {
          const s = (await this.#ask('status')).find((x) => x.name === name);
          return s ?? { name, running: false, position: '', lastError: 'not running in the processors thread' };
        } catch (err) {
          return { name, running: false, position: '', lastError: (err as Error).message };
        }
      },
      stop: () => this.stop(),
    };
  }

  /** Stops the processors (each after its batch in hand) and ends the thread; a thread that hangs is ended after 30 s. */
  stop(): Promise<void> {
    return (this.#stopping ??= (async () => {
      if (this.#restartTimer) clearTimeout(this.#restartTimer);
      const worker = this.#worker;
      if (!worker) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const timer = setTimeout(() => {
        this.#logger.error("the processors' thread did not stop within 30 s: terminating it");
        void worker.terminate();
      }, 30_000);
      try {
        await this.#rpc?.call('stop', [], { timeoutMs: Infinity });
      } catch (err) {
        this.#logger.error(`processors stopped with an error: ${(err as Error).message}`);
      }
      await exited;
      clearTimeout(timer);
    })());
  }
}
