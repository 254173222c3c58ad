/**
 * The HTTP side of the referrer publisher: `GET /entries/{id}/publication` reads `publisher.sqlite`
 * through its own connection (WAL: it sees committed rows while the publisher, in the processors'
 * thread, writes), and the registry pauses the publisher reports to the processor host.
 */
import type { ServiceConfig } from '../infrastructure/config.js';
import type { ServiceFeature } from '../processors/processor.js';
import { PublicationController } from './publication.controller.js';
import { PublicationStatus } from './publication-status.js';
import { PublicationStore } from './publication.store.js';
import type { RegistryPause } from './publication.worker.js';

export function publicationStatusFeature(service: ServiceConfig, pauseOf: (registry: string) => RegistryPause | undefined): ServiceFeature {
  const config = service.publisher;
  if (!config.enabled) return { providers: [{ provide: PublicationStatus, useValue: new PublicationStatus() }], controllers: [PublicationController] };
  const store = new PublicationStore(config.databasePath);
  return {
    providers: [{ provide: PublicationStatus, useValue: new PublicationStatus({ store, layoutDir: config.layoutDir, dataDir: service.dataDir, pauseOf }) }],
    controllers: [PublicationController],
    close: async () => store.close(),
  };
}
