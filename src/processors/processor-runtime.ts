/**
 * The processors that need nothing from the HTTP side — the projections' writer, the OCI referrer
 * publisher and the Kafka publisher — started against given dependencies. The processor host runs this either in its own
 * worker thread (the default) or on the main thread (PROCESSOR_THREAD=main).
 */
import { startReferrerPublisher } from '../publisher/referrer-publisher.feature.js';
import type { RegistryPause } from '../publisher/publication.worker.js';
import { kafkaFeature } from '../integration/kafka.feature.js';
import { startProjectionWriter } from '../projections/projections.feature.js';
import { registerProcessorMetrics } from '../metrics/processor.metrics.js';
import type { ProcessorDeps, ServiceProcessor } from './service-processor.js';

export interface ProcessorRuntime {
  readonly processors: readonly ServiceProcessor[];
  /** registries the referrer publisher paused after an outage */
  pauses(): RegistryPause[];
  /** stops every processor (after the batch in hand), then closes their files and clients */
  stop(): Promise<void>;
}

export async function startProcessorRuntime(deps: ProcessorDeps): Promise<ProcessorRuntime> {
  const projections = startProjectionWriter(deps);
  let publisher: ReturnType<typeof startReferrerPublisher>;
  let kafka;
  try {
    publisher = startReferrerPublisher(deps);
    try {
      kafka = await kafkaFeature(deps);
    } catch (err) {
      await publisher?.processor.stop();
      await publisher?.close();
      throw err;
    }
  } catch (err) {
    await Promise.all(projections.processors.map((p) => p.stop()));
    projections.close();
    throw err;
  }
  const processors = [...projections.processors, ...(publisher ? [publisher.processor] : []), ...kafka.processors];
  if (deps.metrics) registerProcessorMetrics(deps.metrics, () => processors);
  let stopping: Promise<void> | undefined;
  return {
    processors,
    pauses: () => publisher?.pauses() ?? [],
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all(processors.map((p) => p.stop()));
        await kafka.close?.();
        await publisher?.close();
        projections.close();
      })()),
  };
}
