/**
 * Integration events on Kafka (docs/kafka.md): enabled when KAFKA_BROKERS is set. A
 * checkpointed subscription maps ledger events to CloudEvents and publishes them with an
 * idempotent producer; registration never waits for Kafka (libs/kafka, docs/events.md).
 */
import { Logger } from '@nestjs/common';
import { createKafkaPublisher, kafkaConnectionOptions } from '../../libs/kafka/src/index.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { publisherCheckpointsOf, type LedgerStores } from '../infrastructure/stores.js';
import type { LeaderGuard } from '../processors/leader-guard.js';
import type { Processor } from '../processors/processor.js';

/** Starts the Kafka publisher, or answers undefined when KAFKA_BROKERS is unset. */
export function startKafkaPublisher(config: ServiceConfig, stores: LedgerStores, o: { readonly guard?: LeaderGuard } = {}): { processor: Processor } | undefined {
  const settings = config.kafka;
  if (!settings) return undefined;
  const logger = new Logger('kafka');
  const publisher = createKafkaPublisher({
    ...kafkaConnectionOptions(settings),
    topic: settings.topic,
    batchSize: settings.batchSize,
    logId: stores.logId,
    store: stores.store,
    checkpoints: publisherCheckpointsOf(stores), // shared by the nodes of one log (docs/kafka.md)
    source: `${config.issuer}/logs/${stores.logId}`,
    logger: (entry) => logger.warn(`${entry.namespace}: ${entry.message}`),
    // several nodes: each batch is sent only while this node still holds the sequencer lease
    ...(o.guard ? { guard: () => o.guard!.check() } : {}),
    onError: (err) => logger.warn(`couldn't publish to ${settings.topic} (will retry): ${(err as Error)?.message ?? String(err)}`),
  });
  publisher.start();
  logger.log(`publishing integration events to ${settings.brokers.join(',')} topic ${settings.topic}`);
  return {
    processor: {
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
  };
}
