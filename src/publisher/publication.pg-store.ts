/**
 * The publisher's work list in PostgreSQL (`<schema>.publications`, beside the events), for
 * several nodes of one log (NODE_ROLE=auto|follower, docs/oci.md "Several nodes"): the publisher
 * runs only on the node holding the sequencer lease, and a new leader takes over the rows the old
 * one left pending or failed-retrying instead of starting a work list of its own. Every node's
 * `GET /entries/{id}/publication` reads the same rows.
 *
 * Same rows, states and commit points as the SQLite store (publication.store.ts): inserts are
 * `ON CONFLICT DO NOTHING` (re-delivered events are no-ops) and commit before the processor's
 * checkpoint moves; nothing "in flight" is stored. Two publishers working the table at once (the
 * old leader finishing its attempts in hand while the new one starts) may push the same referrer
 * twice; a push is idempotent (same entry ⇒ same manifest digest) and `markFailed` never
 * overwrites a row another attempt marked published.
 */
import postgres from 'postgres';
import { quoteIdent } from '../../libs/event-store/src/postgres.driver.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { sharedStateOf } from '../infrastructure/stores.js';
import { PublicationStore, laneOf, toRecord, type NewPublication, type PublicationBook, type PublicationCounts, type PublicationKey, type PublicationOutcome, type PublicationRecord, type Row, type SubjectHold, type SubjectRef } from './publication.store.js';

/** the columns as `toRecord` expects them (bigint milliseconds as float8: exact below 2^53) */
const SELECT =
  'entry_id, log_index::float8 AS log_index, subject, registry, repository, subject_digest, target_kind, artifact_type, state, attempts, next_attempt_at::float8 AS next_attempt_at, last_error, last_error_code, digest, via, created_at::float8 AS created_at, updated_at::float8 AS updated_at, published_at::float8 AS published_at';

export class PgPublicationStore implements PublicationBook {
  readonly #sql: postgres.Sql;
  readonly #t: string;
  readonly #schema: string;
  #ready: Promise<void> | undefined;

  /** `poolSize`: connections (the publisher's lanes run attempts concurrently; default 4). */
  constructor(o: { connectionString: string; schema: string; poolSize?: number; applicationName?: string }) {
    this.#schema = o.schema;
    this.#t = `${quoteIdent(o.schema)}.publications`;
    this.#sql = postgres(o.connectionString, {
      max: o.poolSize ?? 4,
      onnotice: () => undefined,
      connect_timeout: 10,
      connection: { application_name: (o.applicationName ?? `scitt-ledger publications ${o.schema}`).slice(0, 63) },
    });
  }

  /** Creates the table once (idempotent; two nodes at once: the loser retries once). */
  #setup(): Promise<void> {
    const t = this.#t;
    const ddl = `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#schema)};
      CREATE TABLE IF NOT EXISTS ${t} (
        entry_id text PRIMARY KEY, log_index bigint NOT NULL, subject text NOT NULL,
        registry text NOT NULL, repository text NOT NULL, subject_digest text NOT NULL,
        target_kind text NOT NULL, lane text NOT NULL, artifact_type text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'published', 'failed-retrying')),
        attempts integer NOT NULL DEFAULT 0, next_attempt_at bigint NOT NULL,
        last_error text, last_error_code text, digest text, via text,
        created_at bigint NOT NULL, updated_at bigint NOT NULL, published_at bigint);
      CREATE INDEX IF NOT EXISTS publications_due ON ${t} (lane, next_attempt_at) WHERE state <> 'published';
      CREATE INDEX IF NOT EXISTS publications_next ON ${t} (next_attempt_at) WHERE state <> 'published';
      CREATE INDEX IF NOT EXISTS publications_subject ON ${t} (subject_digest, next_attempt_at) WHERE state <> 'published';`;
    return (this.#ready ??= this.#sql
      .unsafe(ddl)
      .simple()
      .catch(() => new Promise((r) => setTimeout(r, 50)).then(() => this.#sql.unsafe(ddl).simple()))
      .then(() => undefined)
      .catch((err: unknown) => {
        this.#ready = undefined;
        throw new Error(`couldn't create the publications table ${t}: ${(err as Error).message}`, { cause: err });
      }));
  }

  async #q(text: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    await this.#setup();
    return [...(await this.#sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }))];
  }

  /** Records publications in one statement; existing rows are left alone. Durable when it resolves. */
  async insert(rows: readonly NewPublication[]): Promise<number> {
    if (rows.length === 0) return 0;
    const col = <K extends keyof NewPublication>(k: K): unknown[] => rows.map((r) => r[k]);
    const added = await this.#q(
      `INSERT INTO ${this.#t} (entry_id, log_index, subject, registry, repository, subject_digest, target_kind, lane, artifact_type, state, attempts, next_attempt_at, last_error, last_error_code, created_at, updated_at)
       SELECT e, i, s, r, p, d, k, l, a, 'pending', 0, n, le, lc, c, c
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::text[])
         AS u(e, i, s, r, p, d, k, l, a, c, n, le, lc)
       ON CONFLICT (entry_id) DO NOTHING RETURNING 1`,
      [
        col('entryId'), col('logIndex'), col('subject'), col('registry'), col('repository'), col('subjectDigest'), col('targetKind'), rows.map(laneOf), col('artifactType'), col('createdAt'),
        rows.map((r) => r.held?.until ?? r.createdAt), rows.map((r) => r.held?.error ?? null), rows.map((r) => r.held?.code ?? null),
      ],
    );
    return added.length;
  }

  /** By the entry id, this table's key (a row at another log index is another log's: none). */
  async get(key: PublicationKey): Promise<PublicationRecord | undefined> {
    const [r] = await this.#q(`SELECT ${SELECT} FROM ${this.#t} WHERE entry_id = $1`, [key.entryId]);
    const rec = r && toRecord(r as unknown as Row);
    return rec && rec.logIndex === key.logIndex ? rec : undefined;
  }

  /** Lanes with at least one publication due at `now` (one scan of the open rows' index). */
  async dueLanes(now: number): Promise<string[]> {
    const rows = await this.#q(`SELECT DISTINCT lane FROM ${this.#t} WHERE state <> 'published' AND next_attempt_at <= $1`, [now]);
    return rows.map((r) => r.lane as string);
  }

  async dueInLane(lane: string, now: number, limit: number): Promise<PublicationRecord[]> {
    const rows = await this.#q(`SELECT ${SELECT} FROM ${this.#t} WHERE lane = $1 AND state <> 'published' AND next_attempt_at <= $2 ORDER BY next_attempt_at, log_index LIMIT $3`, [lane, now, limit]);
    return rows.map((r) => toRecord(r as unknown as Row));
  }

  async nextAttemptAfter(now: number): Promise<number | undefined> {
    const [r] = await this.#q(`SELECT MIN(next_attempt_at)::float8 AS t FROM ${this.#t} WHERE state <> 'published' AND next_attempt_at > $1`, [now]);
    return (r?.t as number | null) ?? undefined;
  }

  async markPublished(key: PublicationKey, result: { digest: string; via: string }, now: number): Promise<void> {
    await this.record([{ entryId: key.entryId, logIndex: key.logIndex, at: now, published: result }]);
  }

  async markFailed(key: PublicationKey, failed: { error: string; code: string; nextAttemptAt: number; digest?: string }, now: number): Promise<void> {
    await this.record([{ entryId: key.entryId, logIndex: key.logIndex, at: now, failed }]);
  }

  /** Attempts' outcomes in one transaction. */
  async record(outcomes: readonly PublicationOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.#setup();
    const t = this.#t;
    const run = async (q: (text: string, params: unknown[]) => Promise<unknown>): Promise<void> => {
      for (const o of outcomes) {
        if (o.published) {
          await q(`UPDATE ${t} SET state = 'published', attempts = attempts + 1, digest = $1, via = $2, last_error = NULL, last_error_code = NULL, updated_at = $3, published_at = $3 WHERE entry_id = $4`, [o.published.digest, o.published.via, o.at, o.entryId]);
        } else {
          const f = o.failed!;
          await q(
            `UPDATE ${t} SET state = 'failed-retrying', attempts = attempts + 1, next_attempt_at = $1, last_error = $2, last_error_code = $3, digest = COALESCE($4, digest), updated_at = $5 WHERE entry_id = $6 AND state <> 'published'`,
            [f.nextAttemptAt, f.error, f.code, f.digest ?? null, o.at, o.entryId],
          );
        }
      }
    };
    if (outcomes.length === 1) return run((text, params) => this.#q(text, params));
    await this.#sql.begin((tx) => run((text, params) => tx.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })));
  }

  async holdSubject(subject: SubjectRef, hold: SubjectHold, now: number): Promise<number> {
    const rows = await this.#q(
      `UPDATE ${this.#t} SET next_attempt_at = $1, last_error = $2, last_error_code = $3, updated_at = $4 WHERE lane = $5 AND subject_digest = $6 AND state <> 'published' AND next_attempt_at < $1 RETURNING 1`,
      [hold.until, hold.error, hold.code, now, subject.lane, subject.subjectDigest],
    );
    return rows.length;
  }

  async releaseSubjects(subjectDigests: readonly string[], now: number): Promise<number> {
    if (subjectDigests.length === 0) return 0;
    const rows = await this.#q(`UPDATE ${this.#t} SET next_attempt_at = $1, updated_at = $1 WHERE subject_digest = ANY($2::text[]) AND state <> 'published' AND next_attempt_at > $1 RETURNING 1`, [now, subjectDigests]);
    return rows.length;
  }

  async counts(): Promise<PublicationCounts> {
    const c = { pending: 0, published: 0, failedRetrying: 0 };
    for (const r of await this.#q(`SELECT state, COUNT(*)::int AS n FROM ${this.#t} GROUP BY state`)) {
      if (r.state === 'pending') c.pending = r.n as number;
      else if (r.state === 'published') c.published = r.n as number;
      else if (r.state === 'failed-retrying') c.failedRetrying = r.n as number;
    }
    return c;
  }

  async backlogByTarget(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of await this.#q(`SELECT target_kind, registry, COUNT(*)::int AS n FROM ${this.#t} WHERE state <> 'published' GROUP BY target_kind, registry`)) {
      const target = r.target_kind === 'registry' ? (r.registry as string) : 'oci-layout';
      out[target] = (out[target] ?? 0) + (r.n as number);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 2 }).catch(() => undefined);
  }
}

/**
 * The work list this node uses: the shared PostgreSQL table when it is one of several nodes
 * (`sharedStateOf`), else its own `OCI_PUBLISHER_DB` SQLite file. `who` names the connection.
 */
export function openPublicationBook(service: ServiceConfig, who: 'publisher' | 'status'): PublicationBook {
  const shared = sharedStateOf(service);
  if (!shared) return new PublicationStore(service.publisher.databasePath, { migrate: who === 'publisher' });
  return new PgPublicationStore({ ...shared, poolSize: who === 'publisher' ? 4 : 2, applicationName: `scitt-ledger ${who} ${service.node.id}` });
}
