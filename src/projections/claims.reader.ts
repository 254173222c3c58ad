/**
 * Reads of the `claims` projection (the auditor API's claims, status and stats). Every read is
 * one SQLite statement or one read transaction, so it sees a committed state of the projection.
 */
import type { Database, Statement } from 'better-sqlite3';
import { EntryIds } from '../log/log-index.ids.js';
import { StatementCache } from './statement-cache.js';
import { subjectDigestOf } from '../../libs/ledger/src/index.js';
import { subjectKeys } from './subject.key.js';

export interface ClaimRevocation {
  /** the revocation statement's entry id */
  readonly byEntryId: string;
  /** the log index of the revocation: the claim counts as revoked from there on */
  readonly atIndex: number;
  readonly reason: string;
}

export interface ClaimSupersession {
  /** the superseding claim's entry id */
  readonly byEntryId: string;
  /** its log index: the claim counts as superseded from there on */
  readonly atIndex: number;
  /** `explicit` (the newer claim names this one, header −65537) or `implicit` (newer claim of the same kind by the same issuer) */
  readonly how: 'explicit' | 'implicit';
}

/** One claim (log entry) as the auditor API shows it. */
export interface ClaimView {
  readonly index: number;
  readonly entryId: string;
  /** the statement identity (SHA-256 of the signed bytes): twins with another signature encoding share it */
  readonly statementId: string;
  readonly iss: string;
  readonly sub: string;
  /** the collection digest the subject names (`sha256:…`), or null for a subject that is no OCI reference */
  readonly subjectDigest: string | null;
  readonly kid: string;
  readonly contentType: string;
  /** what the claim is about (docs/revocation.md#kinds) */
  readonly kind: string;
  readonly registeredAt: string;
  /** neither revoked nor superseded (and not a revocation) */
  readonly current: boolean;
  readonly revoked: boolean;
  readonly revocation?: ClaimRevocation;
  /** the claim that superseded this one */
  readonly supersededBy?: string;
  readonly supersession?: ClaimSupersession;
  /** the entry this claim names as superseded (header −65537) */
  readonly supersedes?: string;
  /**
   * the first entry of the same statement, when this entry is a duplicate of it (a re-encoded
   * signature registered before statement identity; docs/receipts.md): listings leave duplicates out
   */
  readonly duplicateOf?: string;
  /** with a content filter (predicateType, builder, vulnerability): what the content projection read in it (docs/api.md#claims-by-content) */
  readonly content?: { readonly kind: string; readonly predicateType: string | null; readonly builderId: string | null; readonly buildType: string | null };
  /** with `vulnerability=`: the claim's VEX statements about it, one per product */
  readonly vex?: readonly { readonly product: { readonly id: string; readonly purl: string | null; readonly digest: string | null }; readonly subcomponents: readonly string[]; readonly status: string; readonly justification: string | null }[];
}

/** A subject's revoked or superseded entries as of a tree size (the status statement's content). */
export interface SubjectStatusRow {
  readonly entryId: string;
  readonly statementId: string;
  readonly index: number;
  readonly iss: string;
  readonly kind: string;
  readonly state: 'revoked' | 'superseded';
  readonly by: string;
  readonly byIndex: number;
  readonly reason?: string;
}

/** All given fields must match (AND). */
export interface ClaimFilter {
  readonly issuer?: string;
  readonly kid?: string;
  /** any subject: a collection digest in any reference form (`reg/repo@sha256:…`, `oci://…`, bare `sha256:…`) matches by digest; others exactly (normalised, subject.key.ts) */
  readonly subject?: string;
  /** normalised `registry/repository` */
  readonly repository?: string;
  readonly contentType?: string;
  /** registration time ≥ sinceMs (ms since the epoch) */
  readonly sinceMs?: number;
  /** registration time < untilMs */
  readonly untilMs?: number;
  readonly revoked?: boolean;
  /** in-toto predicate type (content projection) */
  readonly predicateType?: string;
  /** SLSA builder id (content projection) */
  readonly builder?: string;
  /** claims with a VEX statement about this vulnerability id (content projection) */
  readonly vulnerability?: string;
}

export interface LogStats {
  readonly treeSize: number;
  readonly checkpoint: { readonly treeSize: number; readonly signedAt: string } | null;
  readonly issuers: Record<string, number>;
  readonly contentTypes: Record<string, number>;
  readonly revoked: number;
}

interface ClaimRow {
  idx: number;
  entry_id: string;
  statement_id: string;
  iss: string;
  sub: string;
  subject_digest: string | null;
  kid: string;
  content_type: string;
  kind: string;
  registered_at: string;
  is_revocation: number;
  supersedes: string | null;
  duplicate_of: string | null;
  superseded_by: string | null;
  superseded_at_index: number | null;
  superseded_how: 'explicit' | 'implicit' | null;
  revoked_by: string | null;
  revoked_at_index: number | null;
  revoked_reason: string | null;
}

const COLUMNS =
  'idx, entry_id, statement_id, iss, sub, subject_digest, kid, content_type, kind, registered_at, is_revocation, supersedes, duplicate_of, superseded_by, superseded_at_index, superseded_how, revoked_by, revoked_at_index, revoked_reason';

function toView(r: ClaimRow): ClaimView {
  return {
    index: r.idx,
    entryId: r.entry_id,
    statementId: r.statement_id,
    iss: r.iss,
    sub: r.sub,
    subjectDigest: r.subject_digest,
    kid: r.kid,
    contentType: r.content_type,
    kind: r.kind,
    registeredAt: r.registered_at,
    current: r.is_revocation === 0 && r.revoked_by === null && r.superseded_by === null,
    revoked: r.revoked_by !== null,
    ...(r.revoked_by !== null ? { revocation: { byEntryId: r.revoked_by, atIndex: r.revoked_at_index!, reason: r.revoked_reason! } } : {}),
    ...(r.superseded_by !== null ? { supersededBy: r.superseded_by, supersession: { byEntryId: r.superseded_by, atIndex: r.superseded_at_index!, how: r.superseded_how ?? 'implicit' } } : {}),
    ...(r.supersedes !== null ? { supersedes: r.supersedes } : {}),
    ...(r.duplicate_of !== null ? { duplicateOf: r.duplicate_of } : {}),
  };
}

/** The key claims about `subject` are grouped under: its collection digest, or the normalised subject. */
export function subjectGroupOf(subject: string): string {
  const key = subjectKeys(subject).subject;
  return subjectDigestOf(key) ?? subjectDigestOf(subject) ?? key;
}

export interface ClaimsReaderOptions {
  /**
   * The log index of an entry id (the service's log index: it holds every id in memory). Without
   * it the reader looks entry ids up in the projection's own `claim_ids`, in memory once asked.
   */
  readonly indexOf?: (entryId: string) => number | undefined;
}

export class ClaimsReader {
  private readonly statements: StatementCache;
  private ids: EntryIds | undefined;

  constructor(
    private readonly db: Database,
    private readonly o: ClaimsReaderOptions = {},
  ) {
    this.statements = new StatementCache(db);
  }

  /**
   * Claims matching `filter`, newest first (log index descending), starting below index `before`
   * (exclusive; omitted = from the newest). Returns at most `limit` and whether more follow.
   *
   * @example
   *   const page = reader.claims({ issuer: 'https://ci.example' }, { limit: 100 });
   *   const next = page.more ? reader.claims(f, { before: page.items.at(-1)!.index, limit: 100 }) : null;
   */
  claims(filter: ClaimFilter, page: { before?: number; limit: number }): { items: ClaimView[]; more: boolean } {
    const where: string[] = ['duplicate_of IS NULL'];
    const args: unknown[] = [];
    const eq = (col: string, v: unknown): void => {
      where.push(`${col} = ?`);
      args.push(v);
    };
    if (filter.issuer !== undefined) eq('iss', filter.issuer);
    if (filter.kid !== undefined) eq('kid', filter.kid);
    if (filter.subject !== undefined) eq('subject_group', subjectGroupOf(filter.subject));
    if (filter.repository !== undefined) eq('repository_key', filter.repository);
    if (filter.contentType !== undefined) eq('content_type', filter.contentType);
    if (filter.sinceMs !== undefined) {
      where.push('registered_ms >= ?');
      args.push(filter.sinceMs);
    }
    if (filter.untilMs !== undefined) {
      where.push('registered_ms < ?');
      args.push(filter.untilMs);
    }
    if (filter.revoked !== undefined) where.push(filter.revoked ? 'revoked_by IS NOT NULL' : 'revoked_by IS NULL');
    // content filters: the content projection's indexes pick the entries (same file, see content.reader.ts)
    const among = (sql: string, v: string | undefined): void => {
      if (v === undefined) return;
      where.push(`idx IN (${sql})`);
      args.push(v);
    };
    among('SELECT idx FROM content_claims WHERE predicate_type = ?', filter.predicateType);
    among('SELECT idx FROM content_claims WHERE builder_id = ?', filter.builder);
    among('SELECT idx FROM content_vex WHERE vulnerability = ?', filter.vulnerability);
    if (page.before !== undefined) {
      where.push('idx < ?');
      args.push(page.before);
    }
    const sql = `SELECT ${COLUMNS} FROM claims WHERE ${where.join(' AND ')} ORDER BY idx DESC LIMIT ?`;
    const rows = this.stmt(sql).all(...args, page.limit + 1) as ClaimRow[];
    const more = rows.length > page.limit;
    return { items: rows.slice(0, page.limit).map(toView), more };
  }

  /** One claim by entry id, or undefined when the projection has not seen it. */
  claim(entryId: string): ClaimView | undefined {
    // a claim's idx is its log index; the row's own entry id decides
    const at = this.stmt(`SELECT ${COLUMNS} FROM claims WHERE idx = ?`);
    let r: ClaimRow | undefined;
    if (this.o.indexOf) {
      const index = this.o.indexOf(entryId);
      r = index === undefined ? undefined : (at.get(index) as ClaimRow | undefined);
    } else {
      this.ids ??= new EntryIds(this.db, false, 'claim_ids');
      r = this.ids.findEntry<ClaimRow>(entryId, at);
    }
    return r?.entry_id === entryId ? toView(r) : undefined;
  }

  /** The references (normalised) claims about `subject`'s digest were registered under, oldest first. */
  references(subject: string): string[] {
    return (this.stmt('SELECT ref FROM subject_refs WHERE subject_group = ? ORDER BY first_index, ref').all(subjectGroupOf(subject)) as { ref: string }[]).map((r) => r.ref);
  }

  /**
   * The status of subject `digest` as of tree size `treeSize`, in one read transaction: its
   * entries (index < treeSize) revoked or superseded by an entry with index < treeSize, by index.
   */
  subjectStatus(digest: string, treeSize: number): SubjectStatusRow[] {
    const rows = this.stmt(
      `SELECT ${COLUMNS} FROM claims WHERE subject_group = ? AND idx < ? AND is_revocation = 0
         AND ((revoked_at_index IS NOT NULL AND revoked_at_index < ?) OR (superseded_at_index IS NOT NULL AND superseded_at_index < ?)) ORDER BY idx`,
    ).all(digest, treeSize, treeSize, treeSize) as ClaimRow[];
    return rows.map((r) => {
      const revoked = r.revoked_at_index !== null && r.revoked_at_index < treeSize;
      return {
        entryId: r.entry_id,
        statementId: r.statement_id,
        index: r.idx,
        iss: r.iss,
        kind: r.kind,
        state: revoked ? 'revoked' : 'superseded',
        by: revoked ? r.revoked_by! : r.superseded_by!,
        byIndex: revoked ? r.revoked_at_index! : r.superseded_at_index!,
        ...(revoked ? { reason: r.revoked_reason! } : {}),
      };
    });
  }

  /** {@link subjectStatus} as of the last checkpoint the projection applied (null before the first), in one read transaction. */
  subjectStatusAtCheckpoint(digest: string): { treeSize: number; rows: SubjectStatusRow[] } | null {
    return this.db.transaction(() => {
      const n = (this.stmt('SELECT checkpoint_size FROM claims_head WHERE id = 1').get() as { checkpoint_size: number | null }).checkpoint_size;
      return n === null ? null : { treeSize: n, rows: this.subjectStatus(digest, n) };
    }).deferred();
  }

  /** Entries projected so far (the log size as of the projection's position). */
  size(): number {
    return (this.stmt('SELECT tree_size FROM claims_head WHERE id = 1').get() as { tree_size: number }).tree_size;
  }

  /** Log statistics, read in one transaction. */
  stats(): LogStats {
    return this.db.transaction((): LogStats => {
      const head = this.stmt('SELECT tree_size, checkpoint_size, checkpoint_signed_at FROM claims_head WHERE id = 1').get() as {
        tree_size: number;
        checkpoint_size: number | null;
        checkpoint_signed_at: string | null;
      };
      const counts = this.stmt('SELECT kind, key, n FROM claim_counts ORDER BY kind, key').all() as { kind: string; key: string; n: number }[];
      const issuers: Record<string, number> = Object.create(null);
      const contentTypes: Record<string, number> = Object.create(null);
      let revoked = 0;
      for (const c of counts) {
        if (c.kind === 'issuer') issuers[c.key] = c.n;
        else if (c.kind === 'contentType') contentTypes[c.key] = c.n;
        else if (c.kind === 'total' && c.key === 'revoked') revoked = c.n;
      }
      return {
        treeSize: head.tree_size,
        checkpoint: head.checkpoint_size === null ? null : { treeSize: head.checkpoint_size, signedAt: head.checkpoint_signed_at! },
        issuers: { ...issuers },
        contentTypes: { ...contentTypes },
        revoked,
      };
    }).deferred();
  }

  /**
   * Registrations per time bucket from `sinceMs` on: `[bucket start ms, count]` for each
   * non-empty bucket of `bucketMs`, oldest first (the explorer's chart). Registration times grow
   * with the log index (the sequencer stamps batches in order), so a binary search over the
   * primary key finds the first entry of the window: the cost is the window's rows, never the
   * whole log's.
   */
  registrations(bucketMs: number, sinceMs: number): [number, number][] {
    const at = this.stmt('SELECT registered_ms AS ms FROM claims WHERE idx = ?');
    let lo = 0;
    let hi = this.size();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const r = at.get(mid) as { ms: number | null } | undefined;
      if (r !== undefined && r.ms !== null && r.ms >= sinceMs) hi = mid;
      else lo = mid + 1;
    }
    const rows = this.stmt('SELECT CAST(registered_ms / ? AS INTEGER) AS b, count(*) AS n FROM claims WHERE idx >= ? AND registered_ms >= ? GROUP BY b ORDER BY b').all(bucketMs, lo, sinceMs) as { b: number; n: number }[];
    return rows.map((r) => [r.b * bucketMs, r.n]);
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }
}
