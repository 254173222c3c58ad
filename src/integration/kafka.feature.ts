/**
 * Integration events on Kafka (docs/kafka.md): enabled when KAFKA_BROKERS is set. A
 * checkpointed subscription maps ledger events to CloudEvents and publishes them with an
 * idempotent producer; registration never waits for Kafka (libs/kafka, docs/events.md).
 */
import { Logger } from '@nestjs/common';
import { createKafkaPublisher, kafkaConnectionOptions, parseKafkaConfig } from '../../libs/kafka/src/index.js';
import type { ProcessorDeps, ServiceFeature } from '../processors/service-processor.js';

export async function kafkaFeature(deps: ProcessorDeps): Promise<ServiceFeature> {
  const settings = parseKafkaConfig(deps.env);
  if (!settings) return { processors: [] };
  const logger = new Logger('kafka');
  const publisher = createKafkaPublisher({
    ...kafkaConnectionOptions(settings),
    topic: settings.topic,
    batchSize: settings.batchSize,
    logId: deps.logId,
    store: deps.store,
    checkpoints: deps.checkpoints,
    source: `${deps.config.issuer}/logs/${deps.logId}`,
    logger: (entry) => logger.warn(`${entry.namespace}: ${entry.message}`),
    onError: (err) => logger.warn(`couldn't publish to ${settings.topic} (will retry): ${(err as Error)?.message ?? String(err)}`),
  });
  publisher.start();
  logger.log(`publishing integration events to ${settings.brokers.join(',')} topic ${settings.topic}`);
  return {
    processors: [
      {
        name: 'kafka',
        status: () => {
          const s = publisher.status();
          return {
            name: 'kafka',
            running: s.running,
            position: s.position === undefined ? '' : String(s.position),
            ...(s.lag === undefined ? {} : { lag: s.lag }),
            ...(s.lastError ? { lastError: `${s.lastError.at} ${s.lastError.message}` } : {}),
            topic: s.topic,
            published: s.published,
            failures: s.failures,
          };
        },
        stop: () => publisher.stop(),
      },
    ],
  };
}
