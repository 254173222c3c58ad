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
  readonly lingerMs?: number;
  readonly retry?: { initialDelayMs?: number; maxDelayMs?: number };
}

/** A projection kept up to date from the store, as a service processor (status on /health/details). */
export class ProjectionProcessor implements Processor {
  readonly name: string;
  private readonly handle: ProcessorHandle;
  private lastError: string | undefined;

  constructor(store: EventStore, private readonly projections: ProjectionStore, private readonly projection: string, logId: string, o: RunProjectionOptions = {}) {
    this.name = projections.processorName(projection);
    const logger = new Logger(this.name);
    this.handle = runProcessor({
      store,
      checkpoints: projections.checkpointStore(),
      name: this.name,
      filter: { streamPrefixes: [logStream(logId)] },
      // Small batches: each is one synchronous transaction on the thread that runs the projection
      // (the processors' thread by default, the HTTP thread with PROCESSOR_THREAD=main), so 64
      // events bound the pause to a few ms even when catching up.
      batchSize: o.batchSize ?? 64,
      lingerMs: o.lingerMs ?? 5,
      retry: o.retry,
      handle: async (events) => {
        projections.applyBatch(projection, events);
        this.lastError = undefined;
      },
      onError: (err, info) => {
        this.lastError = String((err as Error)?.message ?? err);
        logger.error(`${this.lastError} (attempt ${info.attempt}, retry in ${info.delayMs} ms)`);
      },
    });
  }

  async status(): Promise<ProcessorStatus> {
    const st = this.projections.state(this.projection);
    let lag: number | undefined;
    try {
      lag = Number(await this.handle.lag());
    } catch {
      lag = undefined;
    }
    return {
      name: this.name,
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
