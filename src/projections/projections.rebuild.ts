/**
 * Rebuild every projection from the first event (`npm run projections:rebuild`): drops each
 * projection's tables and position, then replays the whole event store into them, page by page.
 * Run it with the service stopped: it takes the data directory's lock (`openStores(config,
 * 'rebuild')`), so it refuses while the service runs (ERR_DATA_DIR_LOCKED), and a service started
 * meanwhile refuses too. The service also rebuilds a projection by itself when its version changes.
 */
import type { ServiceConfig } from '../infrastructure/config.js';
import { openStores } from '../infrastructure/stores.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { PROJECTIONS } from './projections.feature.js';

export interface RebuildReport {
  readonly path: string;
  readonly projections: readonly { readonly name: string; readonly version: number; readonly events: number; readonly ms: number }[];
}

/**
 * Rebuilds all projections of the service configured by `config`.
 * @example
 *   const report = await rebuildProjections(loadConfig(process.env));
 */
export async function rebuildProjections(config: ServiceConfig): Promise<RebuildReport> {
  const stores = await openStores(config, 'rebuild'); // the data directory's lock: never beside a running service
  const path = config.projectionsPath;
  try {
    const projections = new ProjectionStore({ path, logId: stores.logId, projections: PROJECTIONS });
    try {
      const report: RebuildReport['projections'][number][] = [];
      for (const p of PROJECTIONS) {
        const t0 = performance.now();
        projections.reset(p.name);
        await catchUp(stores.store, projections, p.name);
        report.push({ name: p.name, version: p.version, events: projections.state(p.name).events, ms: Math.round(performance.now() - t0) });
      }
      return { path, projections: report };
    } finally {
      projections.close();
    }
  } finally {
    await stores.close();
  }
}
