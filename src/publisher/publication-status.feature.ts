/**
 * The HTTP side of the referrer publisher: `GET /entries/{id}/publication` reads the work list
 * through its own connection — `publisher.sqlite` (WAL: it sees committed rows while the publisher,
 * in the processors' thread, writes), or with several nodes the shared PostgreSQL table, so every
 * node answers, whichever publishes — and the registry pauses the publisher reports to the
 * processor host (this node's publisher only: a follower shows none).
 */
import type { ServiceConfig } from '../infrastructure/config.js';
import type { ServiceFeature } from '../processors/processor.js';
import { PublicationController } from './publication.controller.js';
import { PublicationStatus } from './publication-status.js';
import { openPublicationBook } from './publication.pg-store.js';
import type { RegistryPause } from './publication.worker.js';

export function publicationStatusFeature(service: ServiceConfig, pauseOf: (registry: string) => RegistryPause | undefined): ServiceFeature {
  const config = service.publisher;
  if (!config.enabled) return { providers: [{ provide: PublicationStatus, useValue: new PublicationStatus() }], controllers: [PublicationController] };
  const store = openPublicationBook(service, 'status');
  return {
    providers: [{ provide: PublicationStatus, useValue: new PublicationStatus({ store, layoutDir: config.layoutDir, dataDir: service.dataDir, pauseOf }) }],
    controllers: [PublicationController],
    close: async () => store.close(),
  };
}
