/**
 * Query handlers on the claims projection: claims by issuer/key/subject/repository, entry status,
 * log statistics. Each first waits (briefly) until the projection has reached the log's size at
 * the time of the request, so a client reads its own writes (a 201 is followed by a status that
 * shows it); when the projection stays behind, the answer is 503 + Retry-After.
 */
import { Optional } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { notFound } from '../common/problem.js';
import { ClaimsReader, type LogStats } from '../projections/claims.reader.js';
import { ProjectionSync } from '../projections/projection.sync.js';
import { GetClaims, GetEntryStatus, GetLogStats, type ClaimsPage, type EntryStatus } from './auditor.queries.js';
import { PublicationStatus } from '../publisher/publication-status.js';
import { encodeCursor } from './query-params.js';

@QueryHandler(GetClaims)
export class GetClaimsHandler implements IQueryHandler<GetClaims, ClaimsPage> {
  constructor(
    private readonly reader: ClaimsReader,
    private readonly sync: ProjectionSync,
  ) {}

  async execute(q: GetClaims): Promise<ClaimsPage> {
    await this.sync.awaitLog();
    const page = this.reader.claims(q.filter, { before: q.before, limit: q.limit });
    const last = page.items.at(-1);
    return { items: page.items, next: page.more && last ? encodeCursor(last.index) : null };
  }
}

@QueryHandler(GetEntryStatus)
export class GetEntryStatusHandler implements IQueryHandler<GetEntryStatus, EntryStatus> {
  constructor(
    private readonly reader: ClaimsReader,
    private readonly sync: ProjectionSync,
    @Optional() private readonly publications?: PublicationStatus,
  ) {}

  async execute(q: GetEntryStatus): Promise<EntryStatus> {
    await this.sync.awaitLog();
    const claim = this.reader.claim(q.entryId);
    if (!claim) throw notFound(`no entry ${q.entryId} in this log`);
    const publication = this.publications?.of(q.entryId) ?? null;
    return {
      entryId: claim.entryId,
      index: claim.index,
      iss: claim.iss,
      sub: claim.sub,
      contentType: claim.contentType,
      registeredAt: claim.registeredAt,
      revoked: claim.revoked,
      ...(claim.revocation ? { revocation: claim.revocation } : {}),
      ...(claim.supersededBy ? { supersededBy: claim.supersededBy } : {}),
      ...(claim.duplicateOf ? { duplicateOf: claim.duplicateOf } : {}),
      publication,
    };
  }
}

@QueryHandler(GetLogStats)
export class GetLogStatsHandler implements IQueryHandler<GetLogStats, LogStats> {
  constructor(
    private readonly reader: ClaimsReader,
    private readonly sync: ProjectionSync,
  ) {}

  async execute(): Promise<LogStats> {
    await this.sync.awaitLog();
    return this.reader.stats();
  }
}
