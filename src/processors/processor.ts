/**
 * The two names for background work and what it adds to the service (docs/architecture.md, "Threads"):
 *
 * - a {@link Processor}: a checkpointed subscription to the event store (the projections' writer,
 *   the OCI referrer publisher, the Kafka publisher). It stores its own position, is idempotent
 *   (delivery is at-least-once) and never blocks registration. They all run together in one
 *   {@link ProcessorHost} (processor-host.ts): in their own thread by default.
 * - a {@link ServiceFeature}: what a part of the service adds to the HTTP side (Nest providers,
 *   controllers) and closes at shutdown.
 */
import type { Provider, Type } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { RegistryPause } from '../publisher/publication.worker.js';

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

export interface Processor {
  readonly name: string;
  status(): Promise<ProcessorStatus> | ProcessorStatus;
  /** stop after the batch in hand; resolves when stopped */
  stop(): Promise<void>;
}

/** A thread's metrics registry as `Registry.getMetricsAsJSON()` gives it. */
export type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The processors, running (on this thread or in their own: processor-host.ts). */
export interface ProcessorHost {
  /** known once they started */
  readonly processors: readonly Processor[];
  /** a registry the referrer publisher paused after an outage, while the pause lasts */
  pauseOf(registry: string): RegistryPause | undefined;
  /**
   * Starts (`true`) or stops (after the batch in hand) the publishers: with several nodes only the
   * node holding the sequencer lease publishes (run-processors.ts). Resolves when done.
   */
  setLeading(leading: boolean): Promise<void>;
  /** the processors' metrics when they live in another thread's registry (merged into /metrics); `[]` on this thread */
  metrics(): Promise<MetricJson>;
  /** stops every processor (after the batch in hand), then closes their files and clients */
  stop(): Promise<void>;
}

/** What a part of the service adds to the HTTP app. */
export interface ServiceFeature {
  readonly providers?: readonly Provider[];
  readonly controllers?: readonly Type<unknown>[];
  /** called on shutdown, after the HTTP server and the processors stopped (close files, clients) */
  close?(): Promise<void>;
}
