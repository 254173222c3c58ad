/**
 * The processors' thread (see processor-host.ts): its own event loop, its own connections to the
 * event store, the log index and the checkpoint store (`openStores(config, 'processors')`). Its API
 * (processors.protocol.ts) is served with the worker-RPC helper; registry pauses are pushed to the
 * host as they change.
 */
import 'reflect-metadata';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { serveRpc } from '../../libs/threads/src/index.js';
import { serviceLogger } from '../common/service.logger.js';
import { registerThreadCpu } from '../metrics/thread-cpu.js';
import { loadConfig } from '../infrastructure/config.js';
import { openStores, type LedgerStores } from '../infrastructure/stores.js';
import type { ProcessorHost } from './processor.js';
import type { ProcessorsWorkerApi, ProcessorsWorkerData, ProcessorsWorkerPush } from './processors.protocol.js';
import { runProcessors } from './run-processors.js';

const port = parentPort!;
const data = workerData as ProcessorsWorkerData;
const config = loadConfig(data.env, data.cwd); // validated by the host already: the same variables
Logger.overrideLogger(serviceLogger(config.logLevel, config.logFormat, { thread: 'processors' }));
/** this thread's metrics, merged into the HTTP thread's /metrics at each scrape */
const metrics = new Registry();
registerThreadCpu(metrics, 'processors');
let stores: LedgerStores | undefined;
let running: ProcessorHost | undefined;
/** resolves once `start` finished (either way): a `lead` that arrives meanwhile waits for it */
let starting: Promise<unknown> = Promise.resolve();
let leading = false;
const names = (): string[] => (running?.processors ?? []).map((p) => p.name);

async function close(): Promise<void> {
  await running?.stop();
  await stores?.close();
}

const rpc = serveRpc<ProcessorsWorkerApi, ProcessorsWorkerPush>(port, {
  start: async (lead) => {
    leading = lead;
    const done = startProcessors();
    starting = done.catch(() => undefined);
    return done;
  },
  lead: async (lead) => {
    leading = lead;
    await starting;
    await running?.setLeading(leading);
    return names();
  },
  status: () => Promise.all((running?.processors ?? []).map(async (p) => p.status())),
  metrics: () => metrics.getMetricsAsJSON(),
  stop: async () => {
    try {
      await close();
    } finally {
      setImmediate(() => port.close()); // after the reply: the thread then ends
    }
  },
});

/** Opens this thread's stores and starts the processors (the publishers when `leading`). */
async function startProcessors(): Promise<string[]> {
  const { nice } = config.processors;
  if (nice > 0) {
    // On Linux the nice value belongs to the calling thread: this lowers this thread's priority
    // only, so on a busy machine HTTP, verification and the sequencer get the CPU first.
    try {
      setPriority(nice);
    } catch (err) {
      new Logger('processors').warn(`couldn't lower the processors' thread priority (PROCESSOR_NICE=${nice}): ${(err as Error).message}`);
    }
  }
  try {
    stores = await openStores(config, 'processors');
    running = await runProcessors(config, stores, { metrics, leading, onPausesChanged: (pauses) => rpc.push({ pauses }) });
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return names();
}
