/**
 * The HTTP side of the referrer publisher: `GET /entries/{id}/publication` reads `publisher.sqlite`
 * through its own connection (WAL: it sees committed rows while the publisher, in the processors'
 * thread, writes), and the registry pauses the publisher reports to the processor host.
 */
import type { ProcessorDeps, ServiceFeature } from '../processors/service-processor.js';
import { PublicationController } from './publication.controller.js';
import { PublicationStatus } from './publication-status.js';
import { PublicationStore } from './publication.store.js';
import type { RegistryPause } from './publication.worker.js';
import { loadPublisherConfig } from './publisher.config.js';

export function publicationStatusFeature(deps: Pick<ProcessorDeps, 'config' | 'env'>, pauseOf: (registry: string) => RegistryPause | undefined): ServiceFeature {
  const config = loadPublisherConfig(deps.env, deps.config.dataDir);
  if (!config.enabled) return { processors: [], providers: [{ provide: PublicationStatus, useValue: new PublicationStatus() }], controllers: [PublicationController] };
  const store = new PublicationStore(config.databasePath);
  return {
    processors: [],
    providers: [{ provide: PublicationStatus, useValue: new PublicationStatus({ store, layoutDir: config.layoutDir, dataDir: deps.config.dataDir, pauseOf }) }],
    controllers: [PublicationController],
    close: async () => store.close(),
  };
}
