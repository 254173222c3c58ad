/**
 * Queries on claim contents (docs/api.md#components): `GET /components?purl=…` — the collections
 * whose current SBOM claims list a package. Waits, like the claims queries, until both the claims
 * and the content projections cover the log size at the request (read-your-writes), then answers
 * as of one tree size (content.reader.ts).
 */
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { subjectDigestOf } from '../../libs/ledger/src/index.js';
import { malformed } from '../common/problem.js';
import { ClaimsReader } from '../projections/claims.reader.js';
import { ContentReader, type ComponentHit, type ComponentQuery } from '../projections/content.reader.js';
import { ProjectionSync } from '../projections/projection.sync.js';

/** Read-your-writes for the content projection (a ProjectionSync on its head). */
export class ContentSync extends ProjectionSync {}

export interface ComponentsPage {
  /** the canonical purl asked for, and how it matched (exact purl, one version, all versions) */
  readonly query: { readonly purl: string; readonly match: ComponentQuery['match'] };
  /** the tree size the answer reflects: entries below it, supersession and revocation as of it */
  readonly treeSize: number;
  readonly items: readonly (ComponentHit & { readonly subjectDigest: string | null; readonly references: readonly string[] })[];
  readonly next: string | null;
}

export class GetComponents extends Query<ComponentsPage> {
  constructor(
    readonly query: ComponentQuery,
    readonly cursor: { before: number; asOf: number } | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

/** Cursor of a components page: base64url of `<before>.<asOf>` (the snapshot travels with the cursor). */
export function encodeComponentsCursor(before: number, asOf: number): string {
  return Buffer.from(`${before}.${asOf}`, 'utf8').toString('base64url');
}

export function decodeComponentsCursor(cursor: string | undefined): { before: number; asOf: number } | undefined {
  if (cursor === undefined) return undefined;
  const text = /^[A-Za-z0-9_-]{1,48}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const m = /^(0|[1-9][0-9]{0,15})\.(0|[1-9][0-9]{0,15})$/.exec(text);
  const [before, asOf] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || before > asOf || encodeComponentsCursor(before, asOf) !== cursor) throw malformed(`cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this service issued`, 'ERR_BAD_CURSOR');
  return { before, asOf };
}

@QueryHandler(GetComponents)
export class GetComponentsHandler implements IQueryHandler<GetComponents, ComponentsPage> {
  constructor(
    private readonly content: ContentReader,
    private readonly claims: ClaimsReader,
    private readonly claimsSync: ProjectionSync,
    private readonly contentSync: ContentSync,
  ) {}

  async execute(q: GetComponents): Promise<ComponentsPage> {
    if (!q.cursor) await Promise.all([this.claimsSync.awaitLog(), this.contentSync.awaitLog()]);
    const page = this.content.components(q.query, { ...(q.cursor ?? {}), limit: q.limit });
    const refs = new Map<string, string[]>();
    const items = page.items.map((h) => {
      let r = refs.get(h.subject);
      if (!r) refs.set(h.subject, (r = this.claims.references(h.subject)));
      return { ...h, subjectDigest: subjectDigestOf(h.subject), references: r };
    });
    return {
      query: { purl: q.query.purl, match: q.query.match },
      treeSize: page.asOf,
      items,
      next: page.more ? encodeComponentsCursor(items.at(-1)!.index, page.asOf) : null,
    };
  }
}

export const CONTENT_QUERY_HANDLERS = [GetComponentsHandler] as const;
