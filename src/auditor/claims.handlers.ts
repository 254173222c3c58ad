/**
 * Query handlers on the claims projection: claims by issuer/key/subject/repository, entry status,
 * log statistics. Each first waits (briefly) until the projection has reached the log's size at
 * the time of the request, so a client reads its own writes (a 201 is followed by a status that
 * shows it); when the projection stays behind, the answer is 503 + Retry-After.
 */
import { Optional } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { REVOCATION_CONTENT_TYPE, decideByPrecedence, subjectDigestOf, type KindDecision, type PrecedenceClaim } from '../../libs/ledger/src/index.js';
import { notFound, unavailable } from '../common/problem.js';
import { ClaimsReader, subjectGroupOf, type LogStats } from '../projections/claims.reader.js';

/** precedence reads at most this many pages of 1,000 claims about one subject */
const MAX_PRECEDENCE_PAGES = 5;
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
    const subject = q.filter.subject;
    return {
      items: page.items,
      next: page.more && last ? encodeCursor(last.index) : null,
      ...(subject !== undefined ? { subject: { digest: subjectDigestOf(subjectGroupOf(subject)), references: this.reader.references(subject) } } : {}),
      ...(q.precedence && subject !== undefined ? { decisions: this.decisions(subject, q.precedence) } : {}),
    };
  }

  /** Precedence over every claim about the subject (not only this page). */
  private decisions(subject: string, order: readonly string[]): KindDecision[] {
    const all: PrecedenceClaim[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < MAX_PRECEDENCE_PAGES; pages++) {
      const p = this.reader.claims({ subject }, { ...(before !== undefined ? { before } : {}), limit: 1000 });
      for (const c of p.items) {
        if (c.contentType === REVOCATION_CONTENT_TYPE) continue;
        const out = c.revocation
          ? `revoked by entry ${c.revocation.byEntryId} at index ${c.revocation.atIndex}: ${c.revocation.reason}`
          : c.supersession
            ? `superseded (${c.supersession.how}) by entry ${c.supersession.byEntryId} at index ${c.supersession.atIndex}`
            : undefined;
        all.push({ entryId: c.entryId, iss: c.iss, kind: c.kind, index: c.index, ...(out !== undefined ? { out } : {}) });
      }
      if (!p.more) return decideByPrecedence(all, order);
      before = p.items.at(-1)!.index;
    }
    throw unavailable(`the subject has more than ${MAX_PRECEDENCE_PAGES * 1000} claims: precedence is not computed online for it`, 60, 'ERR_TOO_MANY_CLAIMS');
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
      ...(claim.supersession ? { supersession: claim.supersession } : {}),
      current: claim.current,
      statementId: claim.statementId,
      kind: claim.kind,
      subjectDigest: claim.subjectDigest,
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
