/**
 * The `claims` projection: one row per log entry with its issuer, issuer key, subject keys,
 * revocation state and the claim that superseded it; counts per issuer and content type; the log
 * head (entries and last checkpoint). Read by {@link ClaimsReader}.
 *
 * Rules (docs/revocation.md, docs/api.md):
 * - a revocation entry (content type {@link REVOCATION_CONTENT_TYPE}) marks each entry it names as
 *   revoked from the revocation's log index on; the first revocation of an entry wins, later ones
 *   are kept as claims but change nothing. Admission already checked who may revoke.
 * - a claim (not a revocation) by `iss` about subject S supersedes that issuer's earlier claims
 *   about S that are not yet superseded: each older one points to the next newer one.
 * - statement identity (docs/receipts.md): an entry whose statement id an earlier entry already has
 *   (the same signed content with a re-encoded signature; the ledger no longer admits one, a log
 *   written before may hold some) is a duplicate of that first entry: it supersedes nothing, is
 *   left out of claim listings, and shares the first entry's revocation — revoking either revokes both.
 */
import type { Database } from 'better-sqlite3';
import { decodeSign1 } from '../../libs/cose/src/index.js';
import { REVOCATION_CONTENT_TYPE, parseRevocationPayload, type EntryRegistered, type RevocationPayload } from '../../libs/ledger/src/index.js';
import type { Projection, ProjectionApplier, ProjectedEvent } from './projection.port.js';
import { statementIdOfEntry } from '../log/statement-id.js';
import { subjectKeys } from './subject.key.js';

export const CLAIMS_TABLES = ['claims', 'claim_revocations', 'claim_counts', 'claims_head'] as const;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS claims (
    idx INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL UNIQUE,
    statement_id TEXT NOT NULL, duplicate_of TEXT,
    iss TEXT NOT NULL, sub TEXT NOT NULL, kid TEXT NOT NULL, content_type TEXT NOT NULL,
    registered_at TEXT NOT NULL, registered_ms INTEGER,
    subject_key TEXT NOT NULL, repository_key TEXT,
    is_revocation INTEGER NOT NULL,
    superseded_by TEXT,
    revoked_by TEXT, revoked_at_index INTEGER, revoked_reason TEXT
  );
  CREATE INDEX IF NOT EXISTS claims_by_iss ON claims (iss, idx);
  CREATE INDEX IF NOT EXISTS claims_by_statement ON claims (statement_id, idx);
  CREATE INDEX IF NOT EXISTS claims_by_kid ON claims (kid, idx);
  CREATE INDEX IF NOT EXISTS claims_by_subject ON claims (subject_key, iss, idx);
  CREATE INDEX IF NOT EXISTS claims_by_repository ON claims (repository_key, idx) WHERE repository_key IS NOT NULL;
  CREATE INDEX IF NOT EXISTS claims_revoked ON claims (idx) WHERE revoked_by IS NOT NULL;
  CREATE TABLE IF NOT EXISTS claim_revocations (
    revoked_id TEXT PRIMARY KEY, by_entry_id TEXT NOT NULL, at_index INTEGER NOT NULL, reason TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS claim_counts (kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS claims_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), tree_size INTEGER NOT NULL, checkpoint_size INTEGER, checkpoint_signed_at TEXT
  );
  INSERT OR IGNORE INTO claims_head (id, tree_size) VALUES (1, 0);
`;

/** The revocation payload of an entry, or null when it is not a well-formed revocation. */
export function revocationOf(e: EntryRegistered): RevocationPayload | null {
  if (e.contentType !== REVOCATION_CONTENT_TYPE) return null;
  try {
    return parseRevocationPayload(decodeSign1(e.entry).payload);
  } catch {
    return null; // admission refuses these; a malformed one in the log revokes nothing
  }
}

class ClaimsApplier implements ProjectionApplier {
  private readonly s;

  constructor(db: Database) {
    db.exec(SCHEMA);
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insert: p(`INSERT INTO claims (idx, entry_id, statement_id, duplicate_of, iss, sub, kid, content_type, registered_at, registered_ms, subject_key, repository_key, is_revocation)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      firstOfStatement: p('SELECT entry_id FROM claims WHERE statement_id = ? ORDER BY idx LIMIT 1'),
      // a duplicate shares the revocation its first entry already has
      inheritRevocation: p(`UPDATE claims SET (revoked_by, revoked_at_index, revoked_reason) =
                 (SELECT revoked_by, revoked_at_index, revoked_reason FROM claims WHERE entry_id = @first)
                 WHERE entry_id = @id AND revoked_by IS NULL`),
      // a revocation recorded before its target (never from admission, which needs the target in the log)
      earlyRevocation: p(`UPDATE claims SET (revoked_by, revoked_at_index, revoked_reason) =
                 (SELECT by_entry_id, at_index, reason FROM claim_revocations WHERE revoked_id = @id)
                 WHERE entry_id = @id AND EXISTS (SELECT 1 FROM claim_revocations WHERE revoked_id = @id)`),
      supersede: p(`UPDATE claims SET superseded_by = ? WHERE subject_key = ? AND iss = ? AND idx < ? AND superseded_by IS NULL AND is_revocation = 0`),
      revocation: p('INSERT OR IGNORE INTO claim_revocations (revoked_id, by_entry_id, at_index, reason) VALUES (?, ?, ?, ?)'),
      // revoking an entry revokes its statement: every entry with its statement id
      revoke: p(`UPDATE claims SET revoked_by = ?, revoked_at_index = ?, revoked_reason = ?
                 WHERE statement_id = (SELECT statement_id FROM claims WHERE entry_id = ?) AND revoked_by IS NULL`),
      count: p('INSERT INTO claim_counts (kind, key, n) VALUES (?, ?, 1) ON CONFLICT (kind, key) DO UPDATE SET n = n + 1'),
      size: p('UPDATE claims_head SET tree_size = MAX(tree_size, ?) WHERE id = 1'),
      checkpoint: p('UPDATE claims_head SET checkpoint_size = ?, checkpoint_signed_at = ? WHERE id = 1'),
    };
  }

  apply({ event }: ProjectedEvent): void {
    if (event.type === 'CheckpointSigned') {
      this.s.checkpoint.run(event.treeSize, event.signedAt);
      return;
    }
    if (event.type !== 'EntryRegistered') return;
    const e = event;
    const keys = subjectKeys(e.sub);
    const isRevocation = e.contentType === REVOCATION_CONTENT_TYPE;
    const revocation = isRevocation ? revocationOf(e) : null;
    const ms = Date.parse(e.registeredAt);
    const statementId = statementIdOfEntry(e.entry, e.entryId);
    const first = (this.s.firstOfStatement.get(statementId) as { entry_id: string } | undefined)?.entry_id ?? null;
    const r = this.s.insert.run(
      e.index, e.entryId, statementId, first, e.iss, e.sub, e.kid, e.contentType, e.registeredAt, Number.isFinite(ms) ? ms : null,
      keys.subject, keys.repository, isRevocation ? 1 : 0,
    );
    if (r.changes !== 1) throw new Error(`entry ${e.entryId} at index ${e.index} was not inserted`);
    this.s.size.run(e.index + 1);
    this.s.count.run('issuer', e.iss);
    this.s.count.run('contentType', e.contentType);
    if (first !== null) {
      this.s.inheritRevocation.run({ first, id: e.entryId }); // a duplicate: same statement, nothing else changes
      return;
    }
    if (this.s.earlyRevocation.run({ id: e.entryId }).changes === 1) this.s.count.run('total', 'revoked');
    if (revocation) {
      for (const id of revocation.revokes) {
        if (this.s.revocation.run(id, e.entryId, e.index, revocation.reason).changes === 0) continue; // already revoked: the first wins
        if (this.s.revoke.run(e.entryId, e.index, revocation.reason, id).changes > 0) this.s.count.run('total', 'revoked');
      }
    } else if (!isRevocation) {
      this.s.supersede.run(e.entryId, keys.subject, e.iss, e.index);
    }
  }
}

/**
 * The claims projection (name `claims`). Bump `version` when the schema or a rule changes: the
 * service then rebuilds it from the first event at start.
 */
export const claimsProjection: Projection = {
  name: 'claims',
  version: 2,
  tables: CLAIMS_TABLES,
  open: (db) => new ClaimsApplier(db),
};
