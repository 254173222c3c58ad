/**
 * The processors' thread (see processor-host.ts): its own event loop, its own connections to the
 * event store, the log index and the checkpoint store. Talks to the host by messages:
 *   host → worker: { type: 'status', id } · { type: 'metrics', id } · { type: 'stop' }
 *   worker → host: { type: 'ready', names } · { type: 'failed', message } (start failed)
 *                  { type: 'status', id, statuses } · { type: 'metrics', id, metrics } (the thread's
 *                  Prometheus registry as prom-client JSON) · { type: 'pauses', pauses } · { type: 'stopped' }
 */
import 'reflect-metadata';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { openSqliteCheckpointStore, type CheckpointStore, type EventStore } from '../../libs/event-store/src/index.js';
import { Registry } from 'prom-client';
import { serviceLogger } from '../common/service.logger.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { openConfiguredEventStore } from '../infrastructure/event-store.factory.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { startProcessorRuntime, type ProcessorRuntime } from './processor-runtime.js';

export interface ProcessorsWorkerData {
  readonly config: ServiceConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logId: string;
  /** how often the worker's own store connection looks for events appended by the main thread */
  readonly pollIntervalMs: number;
  /** the thread's nice value (0–19): background work yields the CPU to registration */
  readonly nice: number;
}

const port = parentPort!;
const data = workerData as ProcessorsWorkerData;
Logger.overrideLogger(serviceLogger(data.config.logLevel, data.env, { thread: 'processors' }));
/** this thread's metrics, merged into the HTTP thread's /metrics at each scrape */
const metrics = new Registry();

let store: EventStore | undefined;
let checkpoints: CheckpointStore | undefined;
let index: LogIndexStore | undefined;
let runtime: ProcessorRuntime | undefined;

async function close(): Promise<void> {
  await runtime?.stop();
  await checkpoints?.close();
  index?.close();
  await store?.close();
}

async function start(): Promise<void> {
  const { config, env, logId } = data;
  if (data.nice > 0) {
    // On Linux the nice value belongs to the calling thread: this lowers this thread's priority
    // only, so on a busy machine HTTP, verification and the sequencer get the CPU first.
    try {
      setPriority(data.nice);
    } catch (err) {
      new Logger('processors').warn(`couldn't lower the processors' thread priority (PROCESSOR_NICE=${data.nice}): ${(err as Error).message}`);
    }
  }
  store = await openConfiguredEventStore(config, { pollIntervalMs: data.pollIntervalMs });
  index = new LogIndexStore(join(config.dataDir, 'log-index.sqlite'));
  checkpoints = openSqliteCheckpointStore(join(config.dataDir, 'checkpoints.sqlite'));
  runtime = await startProcessorRuntime({ config, env, store, checkpoints, index, logId, metrics });
}

let lastPauses = '[]';
const pauseTimer = setInterval(() => {
  const pauses = runtime?.pauses() ?? [];
  const json = JSON.stringify(pauses);
  if (json !== lastPauses) port.postMessage({ type: 'pauses', pauses });
  lastPauses = json;
}, 250);
pauseTimer.unref();

port.on('message', (msg: { type: string; id?: number }) => {
  if (msg.type === 'status') {
    Promise.all((runtime?.processors ?? []).map((p) => p.status())).then(
      (statuses) => port.postMessage({ type: 'status', id: msg.id, statuses }),
      (err) => port.postMessage({ type: 'status', id: msg.id, error: (err as Error).message }),
    );
  } else if (msg.type === 'metrics') {
    metrics.getMetricsAsJSON().then(
      (json) => port.postMessage({ type: 'metrics', id: msg.id, metrics: json }),
      (err) => port.postMessage({ type: 'metrics', id: msg.id, error: (err as Error).message }),
    );
  } else if (msg.type === 'stop') {
    clearInterval(pauseTimer);
    close().then(
      () => {
        port.postMessage({ type: 'stopped' });
        port.close();
      },
      (err) => {
        port.postMessage({ type: 'stopped', error: (err as Error).message });
        port.close();
      },
    );
  }
});

start().then(
  () => port.postMessage({ type: 'ready', names: runtime!.processors.map((p) => p.name) }),
  async (err) => {
    await close().catch(() => undefined);
    port.postMessage({ type: 'failed', message: (err as Error)?.message ?? String(err) });
    port.close();
  },
);
