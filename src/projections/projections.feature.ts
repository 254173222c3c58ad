/**
 * The query projections and the auditor API (ARCHITECTURE §9–10, docs/api.md): opens
 * `projections.sqlite` (rebuilding any projection whose version changed), keeps the claims
 * projection up to date from the event store, and adds the auditor controllers and query
 * handlers to the Nest module.
 */
import { join } from 'node:path';
import { Logger, type Type } from '@nestjs/common';
import { ClaimsController } from '../auditor/claims.controller.js';
import { GetClaimsHandler, GetEntryStatusHandler, GetLogStatsHandler } from '../auditor/claims.handlers.js';
import { LogController } from '../auditor/log.controller.js';
import {
  GetCheckpointHandler,
  GetConsistencyProofHandler,
  GetInclusionProofHandler,
  GetLogEntriesHandler,
  ListCheckpointsHandler,
} from '../auditor/log.handlers.js';
import type { ProcessorDeps, ServiceFeature } from '../processors/service-processor.js';
import { claimsProjection } from './claims.projection.js';
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
];

/** Every projection the service keeps (the rebuild script rebuilds these). */
export const PROJECTIONS = [claimsProjection] as const;

/** Where the projections live: `PROJECTIONS_DB`, else `<dataDir>/projections.sqlite`. */
export function projectionsPath(deps: Pick<ProcessorDeps, 'config' | 'env'>): string {
  return deps.env.PROJECTIONS_DB || join(deps.config.dataDir, 'projections.sqlite');
}

export async function projectionsFeature(deps: ProcessorDeps): Promise<ServiceFeature> {
  const logger = new Logger('projections');
  const path = projectionsPath(deps);
  const projections = new ProjectionStore({ path, logId: deps.logId, projections: PROJECTIONS });
  for (const name of projections.rebuilt) logger.log(`projection ${name}: version changed, rebuilding from the first event`);
  try {
    const reader = new ClaimsReader(projections.db);
    const processor = new ProjectionProcessor(deps.store, projections, claimsProjection.name, deps.logId);
    return {
      processors: [processor],
      providers: [
        { provide: ProjectionStore, useValue: projections },
        { provide: ClaimsReader, useValue: reader },
        { provide: ProjectionSync, useValue: new ProjectionSync(deps.index, projections, reader) },
        ...QUERY_HANDLERS,
      ],
      controllers: [ClaimsController, LogController],
      close: async () => projections.close(),
    };
  } catch (err) {
    projections.close();
    throw err;
  }
}
