/** Typed errors of the Kafka integration-event publisher; `code` is stable, messages say `couldn't <verb> <object>: <why>`. */

/** The Kafka settings (environment or options) are invalid. */
export class KafkaConfigError extends Error {
  readonly code = 'ERR_KAFKA_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaConfigError';
  }
}

/** A stored event could not be turned into integration events (undecodable data). */
export class IntegrationEventMappingError extends Error {
  readonly code = 'ERR_KAFKA_EVENT_MAPPING';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntegrationEventMappingError';
  }
}

/** The broker did not acknowledge a batch (the checkpoint stays where it was; the batch is sent again). */
export class KafkaPublishError extends Error {
  readonly code = 'ERR_KAFKA_PUBLISH';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaPublishError';
  }
}
