/**
 * Runs the processors on the calling thread: the projections' writer, the OCI referrer publisher
 * and the Kafka publisher, against the given stores. The {@link ProcessorHost} calls it on the
 * main thread (PROCESSOR_THREAD=main) or in the processors' thread (processors.worker.ts).
 * A new processor: start it here, beside the others, and stop it in `stop`.
 */
import type { Registry } from 'prom-client';
import type { ServiceConfig } from '../infrastructure/config.js';
import type { LedgerStores } from '../infrastructure/stores.js';
import { startKafkaPublisher } from '../integration/kafka.feature.js';
import { registerProcessorMetrics } from '../metrics/processor.metrics.js';
import { startProjectionWriter } from '../projections/projections.feature.js';
import type { RegistryPause } from '../publisher/publication.worker.js';
import { startReferrerPublisher } from '../publisher/referrer-publisher.feature.js';
import type { Processor, ProcessorHost } from './processor.js';

export interface RunOptions {
  /** the Prometheus registry of the thread they run in (metrics/processor.metrics.ts) */
  readonly metrics?: Registry;
  /** told when the referrer publisher pauses or resumes a registry */
  readonly onPausesChanged?: (pauses: RegistryPause[]) => void;
}

export async function runProcessors(config: ServiceConfig, stores: LedgerStores, o: RunOptions = {}): Promise<ProcessorHost> {
  const started: { processor: Processor; close?(): unknown }[] = [];
  let publisher: ReturnType<typeof startReferrerPublisher>;
  try {
    const projections = startProjectionWriter(config, stores);
    // the projections' processors share one file: it is closed once, after all of them stopped
    started.push(...projections.processors.map((processor, i) => ({ processor, close: i === 0 ? projections.close : undefined })));
    publisher = startReferrerPublisher(config, stores, o);
    if (publisher) started.push(publisher);
    const kafka = startKafkaPublisher(config, stores);
    if (kafka) started.push(kafka);
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  const processors = started.map((s) => s.processor);
  if (o.metrics) registerProcessorMetrics(o.metrics, () => processors);
  let stopping: Promise<void> | undefined;
  return {
    processors,
    pauseOf: (registry) => activePause(publisher?.pauses() ?? [], registry),
    metrics: async () => [],
    stop: () => (stopping ??= stopAll(started)),
  };
}

async function stopAll(started: readonly { processor: Processor; close?(): unknown }[]): Promise<void> {
  await Promise.all(started.map((s) => s.processor.stop()));
  for (const s of started) await s.close?.();
}

/** The pause of `registry` among `pauses`, if it has not ended. */
export function activePause(pauses: readonly RegistryPause[], registry: string, now = Date.now()): RegistryPause | undefined {
  return pauses.find((p) => p.registry === registry && p.until > now);
}
