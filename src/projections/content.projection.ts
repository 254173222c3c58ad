/**
 * The `content` projection (docs/content.md#indexes): what claims say inside — SBOM components
 * (purl, purl base, purl version), VEX entries (vulnerability, product, status), in-toto subjects,
 * predicate type, SLSA builder and build type — one set of rows per log entry, keyed by its log
 * index so queries join them with the `claims` projection's supersession and revocation state.
 *
 * Rules:
 * - the payload is parsed with libs/content exactly as registration did; an entry registered
 *   before content parsing existed (or by another ledger) whose known-type payload does not parse
 *   is recorded `unreadable` and indexes nothing — never half;
 * - a hash envelope (label 258) or a detached payload carries no document: `opaque`, nothing indexed;
 * - components are indexed for SBOM kinds only (`cyclonedx`, `spdx`): a CycloneDX VEX lists the
 *   components it speaks about, not what a collection contains;
 * - a component without a purl is counted but not indexed (there is nothing to look it up by).
 */
import type { Database } from 'better-sqlite3';
import { HeaderLabel } from '../../libs/cose/src/index.js';
import { entryStatement } from './entry-statement.js';
import { isKnownContentType, parseClaimContent, type ParsedContent } from '../../libs/content/src/index.js';
import { subjectDigestOf, type EntryRegistered } from '../../libs/ledger/src/index.js';
import type { Projection, ProjectionApplier, ProjectedEvent } from './projection.port.js';
import { subjectKeys } from './subject.key.js';

export const CONTENT_TABLES = ['content_claims', 'content_components', 'content_vex', 'content_subjects', 'content_head'] as const;

/** How an entry's payload was read. */
export type ContentState = 'parsed' | 'opaque' | 'unreadable';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS content_claims (
    idx INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, subject_group TEXT NOT NULL, iss TEXT NOT NULL,
    kind TEXT NOT NULL, state TEXT NOT NULL, predicate_type TEXT, builder_id TEXT, build_type TEXT,
    components INTEGER NOT NULL, vex INTEGER NOT NULL, error TEXT
  );
  CREATE INDEX IF NOT EXISTS content_by_predicate ON content_claims (predicate_type, idx) WHERE predicate_type IS NOT NULL;
  CREATE INDEX IF NOT EXISTS content_by_builder ON content_claims (builder_id, idx) WHERE builder_id IS NOT NULL;
  CREATE TABLE IF NOT EXISTS content_components (
    purl_base TEXT NOT NULL, idx INTEGER NOT NULL, purl TEXT NOT NULL, purl_version TEXT, name TEXT NOT NULL,
    PRIMARY KEY (purl_base, idx, purl)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS content_components_by_version ON content_components (purl_base, purl_version, idx);
  CREATE TABLE IF NOT EXISTS content_vex (
    idx INTEGER NOT NULL, n INTEGER NOT NULL, vulnerability TEXT NOT NULL, product_id TEXT NOT NULL,
    product_purl TEXT, product_digest TEXT, status TEXT NOT NULL, justification TEXT, subcomponents TEXT NOT NULL,
    PRIMARY KEY (idx, n)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS content_vex_by_vulnerability ON content_vex (vulnerability, idx);
  CREATE TABLE IF NOT EXISTS content_subjects (digest TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (digest, idx)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS content_head (id INTEGER PRIMARY KEY CHECK (id = 1), tree_size INTEGER NOT NULL);
  INSERT OR IGNORE INTO content_head (id, tree_size) VALUES (1, 0);
`;

const SBOM_KINDS = new Set(['cyclonedx', 'spdx']);

/** The parsed content of a log entry, how it was read, and why not when it could not be. */
export function contentOfEntry(e: EntryRegistered): { state: ContentState; content: ParsedContent | null; error: string | null } {
  if (!isKnownContentType(e.contentType)) return { state: 'opaque', content: null, error: null };
  let payload: Uint8Array | null;
  try {
    const s = entryStatement(e.entry);
    payload = s.protectedHeader.has(HeaderLabel.payloadHashAlg) ? null : s.payload;
  } catch (err) {
    return { state: 'unreadable', content: null, error: (err as Error).message };
  }
  if (payload === null) return { state: 'opaque', content: null, error: null };
  try {
    return { state: 'parsed', content: parseClaimContent(e.contentType, payload), error: null };
  } catch (err) {
    return { state: 'unreadable', content: null, error: (err as Error).message };
  }
}

class ContentApplier implements ProjectionApplier {
  private readonly s;
  /** the batch's highest tree size, written once by {@link endBatch} */
  private treeSize = 0;

  constructor(db: Database) {
    db.exec(SCHEMA);
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      claim: p(`INSERT INTO content_claims (idx, entry_id, subject_group, iss, kind, state, predicate_type, builder_id, build_type, components, vex, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      component: p('INSERT OR IGNORE INTO content_components (purl_base, idx, purl, purl_version, name) VALUES (?, ?, ?, ?, ?)'),
      vex: p(`INSERT INTO content_vex (idx, n, vulnerability, product_id, product_purl, product_digest, status, justification, subcomponents)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      subject: p('INSERT OR IGNORE INTO content_subjects (digest, idx) VALUES (?, ?)'),
      size: p('UPDATE content_head SET tree_size = MAX(tree_size, ?) WHERE id = 1'),
    };
  }

  apply({ event: e }: ProjectedEvent): void {
    if (e.type !== 'EntryRegistered') return;
    const { state, content, error } = contentOfEntry(e);
    const keys = subjectKeys(e.sub);
    const group = subjectDigestOf(keys.subject) ?? keys.subject;
    const c = content;
    this.s.claim.run(
      e.index, e.entryId, group, e.iss, c?.kind ?? 'opaque', state, c?.predicateType ?? null, c?.builder?.id ?? null, c?.buildType ?? null,
      c?.components.length ?? 0, c?.vex.length ?? 0, error === null ? null : error.slice(0, 500),
    );
    if (c) {
      if (SBOM_KINDS.has(c.kind)) {
        for (const x of c.components) if (x.purl !== null) this.s.component.run(x.purlBase, e.index, x.purl, x.purlVersion, x.name);
      }
      c.vex.forEach((v, n) => this.s.vex.run(e.index, n, v.vulnerability, v.product.id, v.product.purl, v.product.digest, v.status, v.justification, JSON.stringify(v.subcomponents)));
      for (const s of c.subjects) for (const d of s.digests) this.s.subject.run(d, e.index);
    }
    this.treeSize = Math.max(this.treeSize, e.index + 1);
  }

  startBatch(): void {
    this.treeSize = 0;
  }

  endBatch(): void {
    if (this.treeSize > 0) this.s.size.run(this.treeSize);
    this.treeSize = 0;
  }
}

/**
 * The content projection (name `content`). Bump `version` when the schema, a rule or the parsers'
 * reading changes: the service rebuilds it at start, `npm run projections:rebuild` on demand.
 */
export const contentProjection: Projection = {
  name: 'content',
  version: 1,
  tables: CONTENT_TABLES,
  open: (db) => new ContentApplier(db),
};
