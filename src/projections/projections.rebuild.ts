/**
 * Rebuild every projection from the first event (`npm run projections:rebuild`): drops each
 * projection's tables and position, then replays the whole event store into them, page by page.
 * Run it with the service stopped — the projections file is locked while the service runs, and the
 * rebuild refuses to start then (ERR_PROJECTION_LOCKED). The service also rebuilds a projection by
 * itself when its version changes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '../../libs/event-store/src/index.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { openConfiguredEventStore } from '../infrastructure/event-store.factory.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { PROJECTIONS, projectionsPath } from './projections.feature.js';

export interface RebuildReport {
  readonly path: string;
  readonly projections: readonly { readonly name: string; readonly version: number; readonly events: number; readonly ms: number }[];
}

/** The log id of the data directory: configured, else the one the service generated (`<dataDir>/log-id`). */
export function logIdOf(config: ServiceConfig): string {
  if (config.logId) return config.logId;
  try {
    return readFileSync(join(config.dataDir, 'log-id'), 'utf8').trim();
  } catch (cause) {
    throw new Error(`couldn't find the log id: no LOG_ID and no ${join(config.dataDir, 'log-id')} (has the service ever run with DATA_DIR=${config.dataDir}?)`, { cause });
  }
}

/**
 * Rebuilds all projections of the service configured by `config`.
 * @example
 *   const report = await rebuildProjections(loadConfig(process.env), process.env);
 */
export async function rebuildProjections(config: ServiceConfig, env: Readonly<Record<string, string | undefined>>): Promise<RebuildReport> {
  const logId = logIdOf(config);
  const path = projectionsPath({ config, env });
  const projections = new ProjectionStore({ path, logId, projections: PROJECTIONS }); // throws ERR_PROJECTION_LOCKED while the service runs
  let store: EventStore | undefined;
  try {
    store = await openConfiguredEventStore(config);
    const report: RebuildReport['projections'][number][] = [];
    for (const p of PROJECTIONS) {
      const t0 = performance.now();
      projections.reset(p.name);
      await catchUp(store, projections, p.name);
      report.push({ name: p.name, version: p.version, events: projections.state(p.name).events, ms: Math.round(performance.now() - t0) });
    }
    return { path, projections: report };
  } finally {
    await store?.close();
    projections.close();
  }
}
