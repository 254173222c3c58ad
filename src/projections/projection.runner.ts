/**
 * Running projections: live (a checkpointed subscription via `runProcessor`, position kept with
 * the rows) or as a one-shot catch-up (rebuild script, benchmark, tests).
 */
import { Logger } from '@nestjs/common';
import { runProcessor, type EventStore, type ProcessorHandle } from '../../libs/event-store/src/index.js';
import { logStream } from '../../libs/ledger/src/index.js';
import type { Processor, ProcessorStatus } from '../processors/processor.js';
import type { ProjectionStore } from './projection.store.js';

export interface RunProjectionOptions {
  readonly batchSize?: number;
  /** most event bytes per batch (runProcessor's default: 4 MiB) */
  readonly maxBatchBytes?: number;
  readonly lingerMs?: number;
  readonly retry?: { initialDelayMs?: number; maxDelayMs?: number };
}

/**
 * Projections kept up to date from the store by one checkpointed subscription: each batch is read
 * and decoded once and applied to every projection in one transaction (projection.store.ts
 * `applyBatches`), each projection keeping its own position (a rebuilt one starts again from the
 * first event while the others skip what they hold). Measured against one subscription per
 * projection: docs/benchmarks.md ("The processors' thread").
 *
 * {@link processors} gives one status view per projection (`projection:<name>:v<version>` on
 * /health/details); stopping any of them stops the subscription.
 */
export class ProjectionProcessor {
  readonly name: string;
  private readonly handle: ProcessorHandle;
  private lastError: string | undefined;

  constructor(store: EventStore, private readonly projections: ProjectionStore, private readonly names: readonly string[], logId: string, o: RunProjectionOptions = {}) {
    this.name = names.length === 1 ? projections.processorName(names[0]!) : `projections:${names.join('+')}`;
    const logger = new Logger(this.name);
    this.handle = runProcessor({
      store,
      checkpoints: {
        // the subscription starts after the position every projection holds
        load: async () => {
          const positions = names.map((n) => projections.state(n).position);
          return positions.some((p) => p === undefined) ? undefined : positions.reduce((a, b) => (a! < b! ? a : b));
        },
        save: async () => undefined, // applyBatches stored each position with its rows
        close: async () => undefined,
      },
      name: this.name,
      filter: { streamPrefixes: [logStream(logId)] },
      // Small batches by default: each is one synchronous transaction on the thread that runs the
      // projections (the HTTP thread with PROCESSOR_THREAD=main), so 64 events bound the pause.
      batchSize: o.batchSize ?? 64,
      lingerMs: o.lingerMs ?? 5,
      ...(o.maxBatchBytes !== undefined ? { maxBatchBytes: o.maxBatchBytes } : {}),
      retry: o.retry,
      handle: async (events) => {
        projections.applyBatches(names, events);
        this.lastError = undefined;
      },
      onError: (err, info) => {
        this.lastError = String((err as Error)?.message ?? err);
        logger.error(`${this.lastError} (attempt ${info.attempt}, retry in ${info.delayMs} ms)`);
      },
    });
  }

  /** One status view per projection. */
  get processors(): Processor[] {
    return this.names.map((projection) => ({
      name: this.projections.processorName(projection),
      status: () => this.status(projection),
      stop: () => this.stop(),
    }));
  }

  async status(projection = this.names[0]!): Promise<ProcessorStatus> {
    const st = this.projections.state(projection);
    let lag: number | undefined;
    try {
      lag = Number(await this.handle.lag());
    } catch {
      lag = undefined;
    }
    return {
      name: this.projections.processorName(projection),
      running: this.handle.running,
      position: String(st.position ?? 0n),
      lag,
      events: st.events,
      rebuiltAt: st.rebuiltAt,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  stop(): Promise<void> {
    return this.handle.stop();
  }
}

/**
 * Applies every event after the projection's stored position up to the store's head, page by
 * page (each page one transaction). Returns the number of events read.
 *
 * @example
 *   const ps = new ProjectionStore({ path: 'data/projections.sqlite', logId, projections: [claimsProjection] });
 *   ps.reset('claims');
 *   await catchUp(store, ps, 'claims');
 */
export async function catchUp(store: EventStore, projections: ProjectionStore, projection: string, pageSize = 1000): Promise<number> {
  const head = await store.headPosition();
  let read = 0;
  for (;;) {
    const after = projections.state(projection).position;
    if (after !== undefined && after >= head) return read;
    const page = await store.readAll({ ...(after !== undefined ? { after } : {}), maxCount: pageSize });
    if (page.length === 0) return read;
    projections.applyBatch(projection, page);
    read += page.length;
  }
}
