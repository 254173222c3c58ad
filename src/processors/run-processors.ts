/**
 * Runs the processors on the calling thread: the projections' writer, the OCI referrer publisher
 * and the Kafka publisher, against the given stores. The {@link ProcessorHost} calls it on the
 * main thread (PROCESSOR_THREAD=main) or in the processors' thread (processors.worker.ts).
 * A new processor: start it here, beside the others, and stop it in `stop`.
 *
 * The projections run on every node (each answers reads from its own). The publishers run only
 * while this node leads (`leading`; always on a single node): with several nodes, one publishes
 * and the others don't ({@link ProcessorHost.setLeading}, docs/operations.md "Several nodes").
 */
import type { Registry } from 'prom-client';
import type { ServiceConfig } from '../infrastructure/config.js';
import type { LedgerStores } from '../infrastructure/stores.js';
import { startKafkaPublisher } from '../integration/kafka.feature.js';
import { registerProcessorMetrics } from '../metrics/processor.metrics.js';
import { startProjectionWriter } from '../projections/projections.feature.js';
import type { RegistryPause } from '../publisher/publication.worker.js';
import { startReferrerPublisher } from '../publisher/referrer-publisher.feature.js';
import { openLeaderGuard, type LeaderGuard } from './leader-guard.js';
import type { Processor, ProcessorHost } from './processor.js';

export interface RunOptions {
  /** the Prometheus registry of the thread they run in (metrics/processor.metrics.ts) */
  readonly metrics?: Registry;
  /** told when the referrer publisher pauses or resumes a registry */
  readonly onPausesChanged?: (pauses: RegistryPause[]) => void;
  /** start the publishers at once (default true: a single node always publishes) */
  readonly leading?: boolean;
}

type Started = { processor: Processor; close?(): unknown };

export async function runProcessors(config: ServiceConfig, stores: LedgerStores, o: RunOptions = {}): Promise<ProcessorHost> {
  const started: Started[] = [];
  try {
    const projections = startProjectionWriter(config, stores);
    // the projections' processors share one file: it is closed once, after all of them stopped
    started.push(...projections.processors.map((processor, i) => ({ processor, close: i === 0 ? projections.close : undefined })));
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  const publishers = new Publishers(config, stores, o);
  try {
    if (o.leading ?? true) await publishers.set(true);
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  const processors = (): Processor[] => [...started.map((s) => s.processor), ...publishers.processors()];
  // the metrics read the list at each scrape: publishers that start later are counted
  if (o.metrics) registerProcessorMetrics(o.metrics, processors, { kafka: Boolean(config.kafka) });
  let stopping: Promise<void> | undefined;
  return {
    get processors() {
      return processors();
    },
    pauseOf: (registry) => activePause(publishers.pauses(), registry),
    metrics: async () => [],
    setLeading: (leading) => publishers.set(leading),
    stop: () => (stopping ??= (async () => {
      await publishers.set(false, true);
      await publishers.close();
      await stopAll(started);
    })()),
  };
}

/** The publishers, started and stopped as this node gains and loses the lead; one change at a time. */
class Publishers {
  #running: Started[] = [];
  #referrers: ReturnType<typeof startReferrerPublisher>;
  #leading = false;
  #closed = false;
  #chain: Promise<void> = Promise.resolve();
  /** several nodes: the fence each Kafka batch passes (opened with the first lead, closed at the end) */
  #guard: LeaderGuard | undefined;

  constructor(
    private readonly config: ServiceConfig,
    private readonly stores: LedgerStores,
    private readonly o: RunOptions,
  ) {}

  processors(): Processor[] {
    return this.#running.map((s) => s.processor);
  }

  pauses(): RegistryPause[] {
    return this.#referrers?.pauses() ?? [];
  }

  /** After the last `set`: closes the guard's connection. */
  async close(): Promise<void> {
    await this.#chain;
    await this.#guard?.close();
  }

  /** Starts (`true`) or stops (after the batch in hand) the publishers; resolves when done. `final`: never again. */
  set(leading: boolean, final = false): Promise<void> {
    const next = this.#chain.then(async () => {
      if (final) this.#closed = true;
      if (this.#closed && leading) return;
      if (leading === this.#leading) return;
      if (leading) {
        const started: Started[] = [];
        try {
          this.#referrers = startReferrerPublisher(this.config, this.stores, this.o);
          if (this.#referrers) started.push(this.#referrers);
          this.#guard ??= openLeaderGuard(this.config, this.stores.logId);
          const kafka = startKafkaPublisher(this.config, this.stores, { guard: this.#guard });
          if (kafka) started.push(kafka);
        } catch (err) {
          this.#referrers = undefined;
          await stopAll(started);
          throw err;
        }
        this.#running = started;
        this.#leading = true;
      } else {
        const running = this.#running;
        this.#running = [];
        this.#leading = false;
        await stopAll(running);
        this.#referrers = undefined;
        this.o.onPausesChanged?.([]);
      }
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }
}

async function stopAll(started: readonly Started[]): Promise<void> {
  await Promise.all(started.map((s) => s.processor.stop()));
  for (const s of started) await s.close?.();
}

/** The pause of `registry` among `pauses`, if it has not ended. */
export function activePause(pauses: readonly RegistryPause[], registry: string, now = Date.now()): RegistryPause | undefined {
  return pauses.find((p) => p.registry === registry && p.until > now);
}
