/**
 * Reads of the `content` projection joined with the `claims` projection (docs/api.md#components).
 * Both live in one SQLite file but advance separately, so every answer is computed **as of** one
 * tree size T = min(content head, claims head) in one read transaction: entries below T, current
 * unless superseded or revoked by an entry below T. Pages carry T in their cursor, so a listing
 * stays one snapshot however the log grows between pages.
 */
import type { Database, Statement } from 'better-sqlite3';
import { StatementCache } from './statement-cache.js';
import { parsePurl } from '../../libs/content/src/index.js';

/** A parsed `purl=` query: exact purl (with qualifiers/subpath), one version, or all versions. */
export interface ComponentQuery {
  /** the canonical purl asked for */
  readonly purl: string;
  readonly purlBase: string;
  readonly version: string | null;
  /** `exact` (qualifiers or subpath given: that purl only), `version` (that version, any qualifiers), `all-versions` */
  readonly match: 'exact' | 'version' | 'all-versions';
}

/**
 * @throws Error (packageurl-js's) when `text` is not a package URL
 * @example componentQuery('pkg:npm/lodash') // { purlBase: 'pkg:npm/lodash', version: null, match: 'all-versions', … }
 */
export function componentQuery(text: string): ComponentQuery {
  const p = parsePurl(text);
  // in the canonical form `?` and `#` only start qualifiers and subpath (elsewhere they are percent-encoded)
  const qualified = /[?#]/.test(p.purl);
  return { purl: p.purl, purlBase: p.purlBase, version: p.version, match: qualified ? 'exact' : p.version === null ? 'all-versions' : 'version' };
}

/** One current SBOM claim that lists the component. */
export interface ComponentHit {
  readonly index: number;
  readonly entryId: string;
  readonly issuer: string;
  /** the collection digest (`sha256:…`), or the normalised subject when it names no digest */
  readonly subject: string;
  readonly kind: string;
  readonly contentType: string;
  /** the matching purls the SBOM lists (several when it lists more than one version) */
  readonly purls: readonly string[];
}

export interface VexRow {
  readonly vulnerability: string;
  readonly product: { readonly id: string; readonly purl: string | null; readonly digest: string | null };
  readonly subcomponents: readonly string[];
  readonly status: string;
  readonly justification: string | null;
}

export interface ContentOfClaim {
  readonly kind: string;
  readonly state: string;
  readonly predicateType: string | null;
  readonly builderId: string | null;
  readonly buildType: string | null;
  readonly components: number;
  readonly vex: number;
}

const CURRENT_AS_OF = `c.duplicate_of IS NULL AND c.is_revocation = 0
  AND (c.superseded_at_index IS NULL OR c.superseded_at_index >= @asOf)
  AND (c.revoked_at_index IS NULL OR c.revoked_at_index >= @asOf)`;

export class ContentReader {
  private readonly statements: StatementCache;

  constructor(private readonly db: Database) {
    this.statements = new StatementCache(db);
  }

  /** Entries the content projection has applied (the log size as of its position). */
  size(): number {
    return (this.stmt('SELECT tree_size FROM content_head WHERE id = 1').get() as { tree_size: number }).tree_size;
  }

  /** T: the tree size both projections cover. */
  asOf(): number {
    return (this.stmt('SELECT min((SELECT tree_size FROM content_head WHERE id = 1), (SELECT tree_size FROM claims_head WHERE id = 1)) AS t').get() as { t: number }).t;
  }

  /**
   * Current SBOM claims listing the component, newest first, below index `before`, as of tree size
   * `asOf` (default: now, {@link asOf}). One read transaction.
   * @example reader.components(componentQuery('pkg:npm/lodash@4.17.20'), { limit: 100 })
   */
  components(q: ComponentQuery, page: { before?: number; asOf?: number; limit: number }): { items: ComponentHit[]; more: boolean; asOf: number } {
    return this.db.transaction(() => {
      const asOf = Math.min(page.asOf ?? Infinity, this.asOf());
      const before = Math.min(page.before ?? asOf, asOf);
      const match = q.match === 'exact' ? 'AND cc.purl_version IS @version AND cc.purl = @purl' : q.match === 'version' ? 'AND cc.purl_version = @version' : '';
      const rows = this.stmt(
        `SELECT cc.idx AS idx, group_concat(cc.purl, char(10)) AS purls, c.entry_id, c.iss, c.subject_group, c.kind, c.content_type
           FROM content_components cc JOIN claims c ON c.idx = cc.idx
          WHERE cc.purl_base = @base ${match} AND cc.idx < @before AND ${CURRENT_AS_OF}
          GROUP BY cc.idx ORDER BY cc.idx DESC LIMIT @limit`,
      ).all({ base: q.purlBase, version: q.version, purl: q.purl, before, asOf, limit: page.limit + 1 }) as {
        idx: number; purls: string; entry_id: string; iss: string; subject_group: string; kind: string; content_type: string;
      }[];
      const items = rows.slice(0, page.limit).map((r): ComponentHit => ({
        index: r.idx, entryId: r.entry_id, issuer: r.iss, subject: r.subject_group, kind: r.kind, contentType: r.content_type,
        purls: [...new Set(r.purls.split('\n'))].sort(),
      }));
      return { items, more: rows.length > page.limit, asOf };
    }).deferred();
  }

  /** The VEX entries of the given claims about `vulnerability`, by claim index. */
  vexOf(indexes: readonly number[], vulnerability: string): Map<number, VexRow[]> {
    const out = new Map<number, VexRow[]>();
    const get = this.stmt('SELECT vulnerability, product_id, product_purl, product_digest, status, justification, subcomponents FROM content_vex WHERE idx = ? AND vulnerability = ? ORDER BY n');
    for (const i of indexes) {
      const rows = get.all(i, vulnerability) as { vulnerability: string; product_id: string; product_purl: string | null; product_digest: string | null; status: string; justification: string | null; subcomponents: string }[];
      out.set(i, rows.map((r) => ({
        vulnerability: r.vulnerability, product: { id: r.product_id, purl: r.product_purl, digest: r.product_digest },
        subcomponents: JSON.parse(r.subcomponents) as string[], status: r.status, justification: r.justification,
      })));
    }
    return out;
  }

  /** What the content projection knows of the given claims, by index. */
  contentOf(indexes: readonly number[]): Map<number, ContentOfClaim> {
    const get = this.stmt('SELECT kind, state, predicate_type, builder_id, build_type, components, vex FROM content_claims WHERE idx = ?');
    const out = new Map<number, ContentOfClaim>();
    for (const i of indexes) {
      const r = get.get(i) as { kind: string; state: string; predicate_type: string | null; builder_id: string | null; build_type: string | null; components: number; vex: number } | undefined;
      if (r) out.set(i, { kind: r.kind, state: r.state, predicateType: r.predicate_type, builderId: r.builder_id, buildType: r.build_type, components: r.components, vex: r.vex });
    }
    return out;
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }
}
