/**
 * Background processors of the service: checkpointed subscriptions to the event store (the OCI
 * referrer publisher, the Kafka publisher, the projections). Each stores its own position, is
 * idempotent (delivery is at-least-once) and never blocks registration.
 */
import type { Provider, Type } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { CheckpointStore, EventStore } from '../../libs/event-store/src/index.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import type { LogIndexStore } from '../log/log-index.store.js';

export interface ProcessorStatus {
  readonly name: string;
  readonly running: boolean;
  /** the global store position handled so far */
  readonly position: string;
  /** events behind the head of the store, when known */
  readonly lag?: number;
  readonly lastError?: string;
  readonly [detail: string]: unknown;
}

export interface ServiceProcessor {
  readonly name: string;
  status(): Promise<ProcessorStatus> | ProcessorStatus;
  /** stop after the batch in hand; resolves when stopped */
  stop(): Promise<void>;
}

/** What every processor may use. */
export interface ProcessorDeps {
  readonly config: ServiceConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly index: LogIndexStore;
  readonly logId: string;
  /** the Prometheus registry of the thread the processors run in (metrics/processor.metrics.ts) */
  readonly metrics?: Registry;
}

/** A feature that runs processors and may add HTTP controllers and DI providers. */
export interface ServiceFeature {
  readonly processors: readonly ServiceProcessor[];
  readonly providers?: readonly Provider[];
  readonly controllers?: readonly Type<unknown>[];
  /** called on shutdown after the processors stopped (close files, clients) */
  close?(): Promise<void>;
}
