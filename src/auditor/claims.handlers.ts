/**
 * Query handlers on the claims projection: claims by issuer/key/subject/repository, entry status,
 * log statistics. Each first waits (briefly) until the projection has reached the log's size at
 * the time of the request, so a client reads its own writes (a 201 is followed by a status that
 * shows it); when the projection stays behind, the answer is 503 + Retry-After.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Optional } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { REVOCATION_CONTENT_TYPE, decideByPrecedence, subjectDigestOf, type KindDecision, type PrecedenceClaim } from '../../libs/ledger/src/index.js';
import { notFound, unavailable } from '../common/problem.js';
import { ClaimsReader, subjectGroupOf, type ClaimView, type LogStats } from '../projections/claims.reader.js';

/** precedence reads at most this many pages of 1,000 claims about one subject */
const MAX_PRECEDENCE_PAGES = 5;
import { ProjectionSync } from '../projections/projection.sync.js';
import { ContentReader } from '../projections/content.reader.js';
import { ContentSync } from './content.handlers.js';
import { GetClaims, GetEntryStatus, GetLogStats, type ClaimsPage, type EntryStatus } from './auditor.queries.js';
import { PublicationStatus } from '../publisher/publication-status.js';
import { encodeCursor } from './query-params.js';

/** Rows read per turn of the event loop: from FIRST_CHUNK, doubled while a chunk stays under CHUNK_BYTES of JSON, halved above. */
const FIRST_CHUNK = 16;
const MAX_CHUNK = 256;
const CHUNK_BYTES = 256 * 1024;
/** `{"items":[],"next":"<cursor>"}` */
const PAGE_OVERHEAD_BYTES = 64;

@QueryHandler(GetClaims)
export class GetClaimsHandler implements IQueryHandler<GetClaims, ClaimsPage> {
  constructor(
    private readonly reader: ClaimsReader,
    private readonly sync: ProjectionSync,
    @Optional() private readonly content?: ContentReader,
    @Optional() private readonly contentSync?: ContentSync,
  ) {}

  /**
   * Reads in chunks of rows (about {@link CHUNK_BYTES} of JSON each), yielding the event loop between them, until
   * `limit` items or `maxBytes` of JSON (a claim's `sub` may be as long as a statement): the page
   * ends before the item that would pass the bound (the first always fits), and `next` continues there.
   */
  async execute(q: GetClaims): Promise<ClaimsPage> {
    const f = q.filter;
    const byContent = f.predicateType !== undefined || f.builder !== undefined || f.vulnerability !== undefined;
    await Promise.all([this.sync.awaitLog(), byContent ? this.contentSync?.awaitLog() : undefined]);
    const page = this.withSubject(q, await this.page(q));
    return byContent && this.content ? this.withContent(page, this.content, f.vulnerability) : page;
  }

  /** Content filters: each claim's content summary (and its VEX statements about the vulnerability), and the tree size. */
  private withContent(page: ClaimsPage, content: ContentReader, vulnerability: string | undefined): ClaimsPage {
    const idx = page.items.map((c) => c.index);
    const of = content.contentOf(idx);
    const vex = vulnerability === undefined ? undefined : content.vexOf(idx, vulnerability);
    const items = page.items.map((c): ClaimView => {
      const k = of.get(c.index);
      return {
        ...c,
        ...(k ? { content: { kind: k.kind, predicateType: k.predicateType, builderId: k.builderId, buildType: k.buildType } } : {}),
        ...(vex ? { vex: (vex.get(c.index) ?? []).map(({ product, subcomponents, status, justification }) => ({ product, subcomponents, status, justification })) } : {}),
      };
    });
    return { ...page, items, treeSize: content.asOf() };
  }

  /** One page: rows in chunks, yielding the event loop between them, bounded in count and JSON bytes. */
  private async page(q: GetClaims): Promise<ClaimsPage> {
    const items: ClaimView[] = [];
    let bytes = PAGE_OVERHEAD_BYTES;
    let before = q.before;
    let chunk = FIRST_CHUNK;
    for (;;) {
      const page = this.reader.claims(q.filter, { before, limit: Math.min(chunk, q.limit - items.length) });
      let chunkBytes = 0;
      for (const item of page.items) {
        const add = Buffer.byteLength(JSON.stringify(item)) + 1;
        chunkBytes += add;
        if (items.length > 0 && bytes + add > q.maxBytes) return { items, next: encodeCursor(items.at(-1)!.index) };
        items.push(item);
        bytes += add;
      }
      const last = items.at(-1);
      if (!page.more || !last) return { items, next: null };
      if (items.length >= q.limit) return { items, next: encodeCursor(last.index) };
      before = last.index;
      // Large rows (a subject may be as long as a statement): fewer per turn; small ones: more.
      chunk = chunkBytes > CHUNK_BYTES ? Math.max(1, chunk >> 1) : Math.min(MAX_CHUNK, chunk * 2);
      await nextTurn();
    }
  }

  /** With `subject=`: the digest and references; with `precedence=`: the decisions per kind. */
  private withSubject(q: GetClaims, page: ClaimsPage): ClaimsPage {
    const subject = q.filter.subject;
    if (subject === undefined) return page;
    return {
      ...page,
      subject: { digest: subjectDigestOf(subjectGroupOf(subject)), references: this.reader.references(subject) },
      ...(q.precedence ? { decisions: this.decisions(subject, q.precedence) } : {}),
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
    const publication = (await this.publications?.of({ entryId: claim.entryId, logIndex: claim.index })) ?? null;
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
