/**
 * The query projections and the auditor API (docs/api.md, docs/revocation.md). The writer opens
 * `projections.sqlite` (rebuilding any projection whose version changed) and keeps the claims
 * projection up to date from the event store, beside the other background processors; the query
 * side reads the same file (WAL: readers never wait for the writer) and adds the auditor
 * controllers and query handlers to the Nest module.
 */
import Database from 'better-sqlite3';
import { Logger, type Type } from '@nestjs/common';
import { ClaimsController } from '../auditor/claims.controller.js';
import { GetClaimsHandler, GetEntryStatusHandler, GetLogStatsHandler } from '../auditor/claims.handlers.js';
import { LogController } from '../auditor/log.controller.js';
import { GetSubjectStatusHandler, SubjectStatusController } from '../auditor/subject-status.js';
import {
  GetCheckpointHandler,
  GetConsistencyProofHandler,
  GetInclusionProofHandler,
  GetLogEntriesHandler,
  ListCheckpointsHandler,
} from '../auditor/log.handlers.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import type { LedgerStores } from '../infrastructure/stores.js';
import type { Processor, ServiceFeature } from '../processors/processor.js';
import { claimsProjection } from './claims.projection.js';
import { contentProjection } from './content.projection.js';
import { ContentReader } from './content.reader.js';
import { ComponentsController } from '../auditor/components.controller.js';
import { CONTENT_QUERY_HANDLERS, ContentSync } from '../auditor/content.handlers.js';
import { ClaimsReader } from './claims.reader.js';
import { ProjectionProcessor } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { ProjectionSync } from './projection.sync.js';

export const QUERY_HANDLERS: readonly Type<unknown>[] = [
  GetClaimsHandler,
  GetEntryStatusHandler,
  GetLogStatsHandler,
  GetCheckpointHandler,
  ListCheckpointsHandler,
  GetInclusionProofHandler,
  GetConsistencyProofHandler,
  GetLogEntriesHandler,
  GetSubjectStatusHandler,
];

/** Every projection the service keeps (the rebuild script rebuilds these). */
export const PROJECTIONS = [claimsProjection, contentProjection] as const;

/**
 * The writing side: opens (creating or rebuilding) the projections file and keeps it up to date
 * from the event store. Runs with the other background processors (processors/processor-runtime.ts),
 * in their thread by default, so applying claims never takes the HTTP thread's time.
 */
/**
 * In the processors' own thread (the default) the projections take batches of up to 256 events,
 * waiting up to PROCESSOR_LINGER_MS (default 100) from a batch's first event for more while events
 * keep coming (a lone event after a quiet spell goes at once: libs/event-store run-processor.ts),
 * and at most 1 MiB of event data (an SBOM's components are parsed inside the transaction: the
 * bytes bound the pause): one read, one transaction per batch. Measured per event applied (claims
 * projection, in-process, alternated): ≈ 160–180 µs of CPU in batches of 32, ≈ 130 in batches of
 * 128, ≈ 90 in batches of 512; at 1,000 registrations/s a linger of 100 ms instead of 30 took 18 %
 * of this thread's CPU (docs/benchmarks.md, #17 seventh pass). On the HTTP thread
 * (PROCESSOR_THREAD=main) the small batches stay: they bound its pauses.
 */
function projectionBatching(config: ServiceConfig): { batchSize?: number; lingerMs?: number; maxBatchBytes?: number } {
  return config.processors.thread === 'main' ? { maxBatchBytes: 256 * 1024 } : { batchSize: 256, lingerMs: config.processors.lingerMs, maxBatchBytes: 1024 * 1024 };
}

export function startProjectionWriter(config: ServiceConfig, stores: Pick<LedgerStores, 'store' | 'logId'>): { processor: ProjectionProcessor; processors: Processor[]; close(): void } {
  const logger = new Logger('projections');
  // not exclusive: the query side reads the same file from the HTTP thread
  const projections = new ProjectionStore({ path: config.projectionsPath, logId: stores.logId, projections: PROJECTIONS, exclusive: false });
  for (const name of projections.rebuilt) logger.log(`projection ${name}: version changed, rebuilding from the first event`);
  try {
    // one subscription and one transaction per batch for every projection (projection.runner.ts)
    const processor = new ProjectionProcessor(stores.store, projections, PROJECTIONS.map((p) => p.name), stores.logId, projectionBatching(config));
    return { processor, processors: processor.processors, close: () => projections.close() };
  } catch (err) {
    projections.close();
    throw err;
  }
}

/**
 * The query side (HTTP thread): a read-only connection to the file the writer keeps, the auditor
 * controllers and query handlers. Start it after the writer opened the file.
 */
export function projectionsFeature(config: ServiceConfig, index: LedgerStores['index']): ServiceFeature {
  const path = config.projectionsPath;
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`couldn't open the projections ${path} for queries: ${(err as Error).message}`, { cause: err });
  }
  const reader = new ClaimsReader(db, { indexOf: (entryId) => index.indexOf(entryId) });
  const content = new ContentReader(db);
  return {
    providers: [
      { provide: ClaimsReader, useValue: reader }, { provide: ProjectionSync, useValue: new ProjectionSync(index, reader) },
      { provide: ContentReader, useValue: content }, { provide: ContentSync, useValue: new ContentSync(index, content, undefined, undefined, 'content') },
      ...QUERY_HANDLERS, ...CONTENT_QUERY_HANDLERS,
    ],
    controllers: [ClaimsController, LogController, SubjectStatusController, ComponentsController],
    close: async () => {
      if (db.open) db.close();
    },
  };
}
