/**
 * The `claims` projection: one row per log entry with its issuer, issuer key, subject (keyed by
 * collection digest), kind, statement id, revocation state and what superseded it; the references
 * each digest was seen under; counts per issuer and content type; the log head (entries and last
 * checkpoint). Read by {@link ClaimsReader}.
 *
 * Rules (docs/revocation.md, docs/api.md):
 * - claims are grouped by subject: the collection digest (`sha256:…`) when the `sub` names one in
 *   any reference form, else the normalised `sub` (subject.key.ts);
 * - statement identity (docs/receipts.md): an entry whose statement id an earlier entry already has
 *   (the same signed content with a re-encoded signature; the ledger no longer admits one, a log
 *   written before may hold some) is a duplicate of that first entry: it takes the first's state,
 *   supersedes nothing, is left out of claim listings, and a revocation or supersession of either
 *   applies to both;
 * - a revocation entry (content type {@link REVOCATION_CONTENT_TYPE}) marks each entry it names as
 *   revoked from the revocation's log index on; the first revocation wins, later ones are kept as
 *   claims but change nothing. Admission already checked who may revoke.
 * - explicit supersession: a claim whose protected header names an entry (label −65537) supersedes
 *   it (admission checked subject and issuer);
 * - implicit supersession: a claim by `iss` of kind K about subject S supersedes that issuer's
 *   earlier claims of kind K about S that are not yet superseded. Other kinds are untouched.
 * The first superseder wins; `superseded_at_index` is its log index.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CoseSign1 } from '../../libs/cose/src/index.js';
import { entryStatement } from './entry-statement.js';
import {
  REVOCATION_CONTENT_TYPE,
  claimKindOf,
  parseRevocationPayload,
  subjectDigestOf,
  supersededEntryOf,
  type EntryRegistered,
  type RevocationPayload,
} from '../../libs/ledger/src/index.js';
import { EntryIds, type IdRow } from '../log/log-index.ids.js';
import { statementIdOfDecoded } from '../log/statement-id.js';
import type { Projection, ProjectionApplier, ProjectedEvent } from './projection.port.js';
import { subjectKeys } from './subject.key.js';

export const CLAIMS_TABLES = ['claims', 'claim_ids', 'claim_revocations', 'claim_counts', 'claims_head', 'subject_refs'] as const;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS claims (
    idx INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL,
    statement_id TEXT NOT NULL, duplicate_of TEXT,
    iss TEXT NOT NULL, sub TEXT NOT NULL, kid TEXT NOT NULL, content_type TEXT NOT NULL, kind TEXT NOT NULL,
    registered_at TEXT NOT NULL, registered_ms INTEGER,
    subject_key TEXT NOT NULL, subject_group TEXT NOT NULL, subject_digest TEXT, repository_key TEXT,
    is_revocation INTEGER NOT NULL,
    supersedes TEXT,
    superseded_by TEXT, superseded_at_index INTEGER, superseded_how TEXT,
    revoked_by TEXT, revoked_at_index INTEGER, revoked_reason TEXT
  );
  CREATE INDEX IF NOT EXISTS claims_by_iss ON claims (iss, idx);
  CREATE INDEX IF NOT EXISTS claims_by_kid ON claims (kid, idx);
  CREATE INDEX IF NOT EXISTS claims_by_group ON claims (subject_group, iss, kind, idx);
  -- no SQLite index on the random entry and statement ids (each wrote one random b-tree page per
  -- claim, 2.6 of the 3.5 WAL pages a claim cost in batches of 64): claim_ids and the applier's
  -- locators find them (log-index.ids.ts); a claim's idx is its log index. A row per 256 claims
  -- (their two 32-bit keys each), extended batch by batch: the rows do not depend on the batching
  CREATE TABLE IF NOT EXISTS claim_ids (first_idx INTEGER PRIMARY KEY, keys BLOB NOT NULL);
  -- the later entries of a statement (a log written before statement identity): empty otherwise
  CREATE INDEX IF NOT EXISTS claims_duplicates ON claims (duplicate_of) WHERE duplicate_of IS NOT NULL;
  CREATE INDEX IF NOT EXISTS claims_by_repository ON claims (repository_key, idx) WHERE repository_key IS NOT NULL;
  CREATE INDEX IF NOT EXISTS claims_revoked ON claims (idx) WHERE revoked_by IS NOT NULL;
  CREATE TABLE IF NOT EXISTS claim_revocations (
    revoked_id TEXT PRIMARY KEY, by_entry_id TEXT NOT NULL, at_index INTEGER NOT NULL, reason TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS subject_refs (
    subject_group TEXT NOT NULL, ref TEXT NOT NULL, first_index INTEGER NOT NULL, PRIMARY KEY (subject_group, ref)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS claim_counts (kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS claims_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), tree_size INTEGER NOT NULL, checkpoint_size INTEGER, checkpoint_signed_at TEXT
  );
  INSERT OR IGNORE INTO claims_head (id, tree_size) VALUES (1, 0);
`;

function decoded(e: EntryRegistered): CoseSign1 | null {
  try {
    return entryStatement(e.entry);
  } catch {
    return null; // the ledger admitted only strict COSE_Sign1; a foreign log's oddity changes nothing here
  }
}

/** The revocation payload of an entry, or null when it is not a well-formed revocation. */
export function revocationOf(e: EntryRegistered, s: CoseSign1 | null = decoded(e)): RevocationPayload | null {
  if (e.contentType !== REVOCATION_CONTENT_TYPE || !s) return null;
  try {
    return parseRevocationPayload(s.payload);
  } catch {
    return null; // admission refuses these; a malformed one in the log revokes nothing
  }
}

function supersededOf(s: CoseSign1 | null): string | null {
  try {
    return s ? supersededEntryOf(s.protectedHeader) : null;
  } catch {
    return null; // admission refuses a malformed label
  }
}

/** The applier's statements (exported for the query-plan test: none may scan the claims table). */
export const CLAIMS_SQL = {
  // a new claim's row with its whole state: a duplicate's (its first entry's) or an early revocation's
  insert: `INSERT INTO claims (idx, entry_id, statement_id, duplicate_of, iss, sub, kid, content_type, kind, registered_at, registered_ms,
               subject_key, subject_group, subject_digest, repository_key, is_revocation, supersedes,
               superseded_by, superseded_at_index, superseded_how, revoked_by, revoked_at_index, revoked_reason)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // a claim by its log index, with the state a duplicate takes from its first entry
  at: 'SELECT idx, entry_id, statement_id, superseded_by, superseded_at_index, superseded_how, revoked_by, revoked_at_index, revoked_reason FROM claims WHERE idx = ?',
  duplicatesOf: 'SELECT idx FROM claims WHERE duplicate_of = ?',
  // a revocation recorded before its target (never from admission, which needs the target in the log)
  // (one point lookup per id: `IN (?, ?) ORDER BY at_index` built a sorter per entry, ≈ 10× the cost)
  revocationOf: 'SELECT by_entry_id, at_index, reason FROM claim_revocations WHERE revoked_id = ?',
  supersedeExplicit: `UPDATE claims SET superseded_by = @by, superseded_at_index = @at, superseded_how = 'explicit'
             WHERE idx = @idx AND idx < @at AND superseded_by IS NULL AND is_revocation = 0`,
  // implicit supersession: the issuer's latest claim of the kind about the subject before an index
  // (applier: walks them down, one at a time, to the latest that is not a twin; see supersedeImplicit)
  latestOfKind: `SELECT idx, statement_id, duplicate_of, superseded_by, is_revocation FROM claims
             WHERE subject_group = ? AND iss = ? AND kind = ? AND idx < ? ORDER BY idx DESC LIMIT 1`,
  supersedeImplicit: `UPDATE claims SET superseded_by = ?, superseded_at_index = ?, superseded_how = 'implicit'
             WHERE idx = ? AND superseded_by IS NULL AND is_revocation = 0 AND statement_id <> ?`,
  revocation: 'INSERT OR IGNORE INTO claim_revocations (revoked_id, by_entry_id, at_index, reason) VALUES (?, ?, ?, ?)',
  revoke: 'UPDATE claims SET revoked_by = @by, revoked_at_index = @at, revoked_reason = @reason WHERE idx = @idx AND revoked_by IS NULL',
  ref: 'INSERT OR IGNORE INTO subject_refs (subject_group, ref, first_index) VALUES (?, ?, ?)',
  count: 'INSERT INTO claim_counts (kind, key, n) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n',
  size: 'UPDATE claims_head SET tree_size = MAX(tree_size, ?) WHERE id = 1',
  checkpoint: 'UPDATE claims_head SET checkpoint_size = ?, checkpoint_signed_at = ? WHERE id = 1',
} as const;

interface RevocationRow {
  by_entry_id: string;
  at_index: number;
  reason: string;
}

interface LatestRow {
  idx: number;
  statement_id: string;
  duplicate_of: string | null;
  superseded_by: string | null;
  is_revocation: number;
}

interface ClaimIdRow {
  idx: number;
  entry_id: string;
  statement_id: string;
  superseded_by: string | null;
  superseded_at_index: number | null;
  superseded_how: string | null;
  revoked_by: string | null;
  revoked_at_index: number | null;
  revoked_reason: string | null;
}

class ClaimsApplier implements ProjectionApplier {
  private readonly s: Record<keyof typeof CLAIMS_SQL, Statement>;
  /** the batch's counts and tree size, written once by {@link endBatch} */
  private readonly counts = new Map<string, { kind: string; key: string; n: number }>();
  private treeSize = 0;
  /** the committed claims' entry and statement ids (claim_ids) */
  private readonly ids: EntryIds;
  /** this batch's claims, for claim_ids and for lookups before the batch commits */
  private batch: IdRow[] = [];
  private readonly batchEntries = new Map<string, number>();
  /** a statement's first claim in this batch */
  private readonly batchStatements = new Map<string, number>();

  constructor(db: Database) {
    db.exec(SCHEMA);
    this.s = Object.fromEntries(Object.entries(CLAIMS_SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Record<keyof typeof CLAIMS_SQL, Statement>;
    this.s.duplicatesOf.pluck();
    this.ids = new EntryIds(db, true, 'claim_ids', true); // entry ids: for revocations and explicit supersession only
  }

  /** The claim of entry `entryId` (committed, or earlier in this batch). */
  private entry(entryId: string): ClaimIdRow | undefined {
    return this.ids.findEntry<ClaimIdRow>(entryId, this.s.at) ?? this.inBatch(this.batchEntries.get(entryId));
  }

  /** The first claim of statement `sid` (committed ones come first in the log). */
  private firstOf(sid: string): ClaimIdRow | undefined {
    return this.ids.findStatement<ClaimIdRow>(sid, this.s.at) ?? this.inBatch(this.batchStatements.get(sid));
  }

  private inBatch(idx: number | undefined): ClaimIdRow | undefined {
    return idx === undefined ? undefined : (this.s.at.get(idx) as ClaimIdRow);
  }

  /** Every claim of statement `sid` (its first entry and that entry's duplicates), by log index. */
  private claimsOf(sid: string): number[] {
    const first = this.firstOf(sid);
    return first ? [first.idx, ...(this.s.duplicatesOf.all(first.entry_id) as number[])] : [];
  }

  private counted(kind: string, key: string): void {
    const k = `${kind}\u0000${key}`;
    const c = this.counts.get(k);
    if (c) c.n++;
    else this.counts.set(k, { kind, key, n: 1 });
  }

  /** The first revocation recorded before the entry itself, of its entry id or its statement id. */
  private earlyRevocation(entryId: string, sid: string): RevocationRow | undefined {
    const byEntry = this.s.revocationOf.get(entryId) as RevocationRow | undefined;
    const byStatement = sid === entryId ? undefined : (this.s.revocationOf.get(sid) as RevocationRow | undefined);
    return byEntry && byStatement ? (byStatement.at_index < byEntry.at_index ? byStatement : byEntry) : (byEntry ?? byStatement);
  }

  startBatch(): void {
    this.counts.clear();
    this.treeSize = 0;
    this.batch = [];
    this.batchEntries.clear();
    this.batchStatements.clear();
  }

  endBatch(): void {
    for (const c of this.counts.values()) this.s.count.run(c.kind, c.key, c.n);
    if (this.treeSize > 0) this.s.size.run(this.treeSize);
    this.ids.writeChunked(this.batch); // replayed in other batches, the rows are the same
    this.counts.clear();
    this.treeSize = 0;
  }

  committed(): void {
    this.ids.written(this.batch);
    this.startBatch();
  }

  close(): void {
    this.ids.stop();
  }

  apply({ event }: ProjectedEvent): void {
    if (event.type === 'CheckpointSigned') {
      this.s.checkpoint.run(event.treeSize, event.signedAt);
      return;
    }
    if (event.type !== 'EntryRegistered') return;
    const e = event;
    const s = decoded(e);
    const sid = statementIdOfDecoded(s, e.entry, e.entryId); // from the statement decoded once for every projection
    const keys = subjectKeys(e.sub);
    const digest = subjectDigestOf(keys.subject);
    const group = digest ?? keys.subject;
    const isRevocation = e.contentType === REVOCATION_CONTENT_TYPE;
    const revocation = isRevocation ? revocationOf(e, s) : null;
    const supersedes = isRevocation ? null : supersededOf(s);
    const ms = Date.parse(e.registeredAt);
    const twin = this.firstOf(sid);
    // a duplicate takes its first entry's state; otherwise a revocation recorded before the entry applies
    const early = twin ? undefined : this.earlyRevocation(e.entryId, sid);
    const r = this.s.insert.run(
      e.index, e.entryId, sid, twin?.entry_id ?? null, e.iss, e.sub, e.kid, e.contentType, claimKindOf(e.contentType), e.registeredAt, Number.isFinite(ms) ? ms : null,
      keys.subject, group, digest, keys.repository, isRevocation ? 1 : 0, supersedes,
      twin?.superseded_by ?? null, twin?.superseded_at_index ?? null, twin?.superseded_how ?? null,
      twin?.revoked_by ?? early?.by_entry_id ?? null, twin?.revoked_at_index ?? early?.at_index ?? null, twin?.revoked_reason ?? early?.reason ?? null,
    );
    if (r.changes !== 1) throw new Error(`entry ${e.entryId} at index ${e.index} was not inserted`);
    this.batch.push({ index: e.index, entryId: e.entryId, statementId: sid });
    if (!this.batchEntries.has(e.entryId)) this.batchEntries.set(e.entryId, e.index);
    if (!this.batchStatements.has(sid)) this.batchStatements.set(sid, e.index);
    this.treeSize = Math.max(this.treeSize, e.index + 1);
    this.counted('issuer', e.iss);
    this.counted('contentType', e.contentType);
    this.s.ref.run(group, keys.subject, e.index);
    if (twin) return; // a duplicate (the same statement, another signature encoding): one claim, one state
    if (early) this.counted('total', 'revoked');
    if (revocation) {
      for (const id of revocation.revokes) {
        const target = this.entry(id)?.statement_id ?? id;
        if (this.s.revocation.run(target, e.entryId, e.index, revocation.reason).changes === 0) continue; // already revoked: the first wins
        // one statement revoked (however many encodings of it the log holds): the claims whose
        // statement id is the target, or whose entry id is (an undecodable entry's statement id is its entry id)
        const rows = new Set(this.claimsOf(target));
        const byEntry = this.entry(target);
        if (byEntry) rows.add(byEntry.idx);
        let changed = 0;
        for (const idx of rows) changed += this.s.revoke.run({ by: e.entryId, at: e.index, reason: revocation.reason, idx }).changes;
        if (changed > 0) this.counted('total', 'revoked');
      }
      return;
    }
    if (isRevocation) return;
    if (supersedes) {
      const target = this.entry(supersedes)?.statement_id;
      if (target) for (const idx of this.claimsOf(target)) this.s.supersedeExplicit.run({ by: e.entryId, at: e.index, idx });
    }
    this.supersedeImplicit(e.entryId, e.index, group, e.iss, claimKindOf(e.contentType), sid);
  }

  /**
   * Claim `by` at `at` (not a twin, not a revocation) supersedes the issuer's earlier claims of its
   * kind about its subject that are still open, but not its own statement's. Only the latest of
   * them that is not a twin, and the twins after it, can be open: when that claim was applied it
   * superseded every earlier one (by induction), and a twin copies its first entry's state. So
   * the walk reads the claims newest first down to that one — one row, unless a log written
   * before statement identity holds twins there — instead of an index of the open claims (one
   * more random b-tree page per claim) or all the earlier claims (quadratic in one subject's).
   * One row a step: reading 8 at once (until 2026-12) read 7 table rows nobody needed per claim.
   */
  private supersedeImplicit(by: string, at: number, grp: string, iss: string, kind: string, sid: string): void {
    for (let before = at; ; ) {
      const r = this.s.latestOfKind.get(grp, iss, kind, before) as LatestRow | undefined;
      if (r === undefined) return;
      if (r.superseded_by === null && r.is_revocation === 0 && r.statement_id !== sid) this.s.supersedeImplicit.run(by, at, r.idx, sid);
      if (r.duplicate_of === null) return;
      before = r.idx;
    }
  }
}

/**
 * The claims projection (name `claims`). Bump `version` when the schema or a rule changes: the
 * service then rebuilds it from the first event at start (or run `npm run projections:rebuild`).
 * v2: statement identity (duplicates). v3: keyed by collection digest, kinds, explicit supersession.
 * v4: no SQLite index on the entry and statement ids (`claim_ids` and in-memory locators instead),
 * nor on the open claims (implicit supersession walks the latest claims of the kind instead).
 */
export const claimsProjection: Projection = {
  name: 'claims',
  version: 4,
  tables: CLAIMS_TABLES,
  open: (db) => new ClaimsApplier(db),
};
