import { Controller, Get, Param } from '@nestjs/common';
import { isCollectionSubject } from '../../libs/oci/src/index.js';
import { notFound } from '../common/problem.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { PublicationStatus, type PublicationState } from './publication-status.js';

const ENTRY_ID = /^[0-9a-f]{64}$/;

/** For entries with nothing to publish (or not reached yet). */
export interface NoPublication {
  readonly entryId: string;
  readonly state: 'not-applicable' | 'pending' | 'disabled';
  readonly subject?: string;
  readonly attempts: 0;
  readonly reason: string;
}

/** `GET /entries/{id}/publication`: where the entry's receipt is published as an OCI referrer, and how far. */
@Controller('entries')
export class PublicationController {
  constructor(
    private readonly status: PublicationStatus,
    private readonly index: LogIndexStore,
  ) {}

  @Get(':id/publication')
  async publication(@Param('id') id: string): Promise<PublicationState | NoPublication> {
    if (!ENTRY_ID.test(id)) throw notFound(`${JSON.stringify(id.slice(0, 100))} is not an entry id (64 lowercase hex digits)`);
    const entry = this.index.entryById(id);
    if (!entry) throw notFound(`no entry ${id} in this log`);
    if (!this.status.enabled) return { entryId: id, state: 'disabled', subject: entry.sub, attempts: 0, reason: 'the referrer publisher is off (OCI_PUBLISHER=off)' };
    const state = await this.status.of({ entryId: id, logIndex: entry.index });
    if (state) return state;
    if (!isCollectionSubject(entry.sub)) {
      return { entryId: id, state: 'not-applicable', subject: entry.sub, attempts: 0, reason: 'the subject is not an OCI reference with a digest: nothing to publish' };
    }
    return { entryId: id, state: 'pending', subject: entry.sub, attempts: 0, reason: 'the publisher has not reached this entry yet' };
  }
}
