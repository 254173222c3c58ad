/**
 * The PostgreSQL adapter's schema (version 1), created on open inside one transaction under an
 * advisory lock, so several processes opening the same store at once don't race on the DDL.
 *
 * ```
 * <schema>.events (position bigint PK, stream text, revision bigint ≥ 0, id uuid, type text,
 *                  content_type text, data bytea, metadata bytea, recorded_at timestamptz,
 *                  UNIQUE (stream, revision))
 * <schema>.append_events(…)  — the whole append in one round trip, see below
 * ```
 *
 * The gap problem. A reader that follows a global position must never see position p + 1 before
 * p is visible: with a plain sequence, transaction A takes p, B takes p + 1, B commits first, a
 * subscriber reads p + 1, stores it as its checkpoint, and never sees p. Marten answers with a
 * high-water mark (wait for the gap to fill, skip it after a timeout); Emmett tags each row with
 * its `xid8` and only reads rows below `pg_snapshot_xmin(pg_current_snapshot())`, ordering by
 * (transaction id, position) — a two-part checkpoint. Here every append takes one transaction-level
 * advisory lock before it reads the head position and releases it only when its transaction ends.
 * PostgreSQL makes a committed transaction visible (removes it from the proc array) *before* it
 * releases its locks, so the next append can only pick its positions after every earlier append is
 * visible to new snapshots: positions are assigned in commit order, without gaps, and a one-number
 * checkpoint (`position > after`) can never skip. The price is that appends to one store are
 * serialised — the ledger has one writer (the sequencer) anyway, and each append is one round trip.
 */
import { createHash } from 'node:crypto';
import { quoteIdent } from './postgres.driver.js';

export const PG_SCHEMA_VERSION = 1;

/** Schema names the adapter accepts: lower-case SQL identifiers, short enough for a channel name. */
export const PG_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

/** A stable 64-bit advisory lock key for (purpose, schema), as a decimal SQL literal. */
export function advisoryKey(purpose: 'append' | 'ddl' | 'lease', schema: string): string {
  return createHash('sha256').update(`scitt-ledger:${purpose}:${schema}`).digest().readBigInt64BE(0).toString();
}

/** The LISTEN/NOTIFY channel on which committed appends announce their last position. */
export function notifyChannel(schema: string): string {
  return `${schema}_events`;
}

/** Expected revision as the function's bigint argument: ≥ 0 a revision, -1 any, -2 no stream, -3 stream exists. */
export const EXPECT_ANY = -1;
export const EXPECT_NO_STREAM = -2;
export const EXPECT_STREAM_EXISTS = -3;

/** The DDL script for `schema` (idempotent; run in one transaction). Refuses a schema a newer version of this code created. */
export function schemaScript(schema: string): string {
  if (!PG_SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
  const s = quoteIdent(schema);
  return `
SELECT pg_advisory_xact_lock(${advisoryKey('ddl', schema)});
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer NOT NULL);
DO $check$ BEGIN
  IF (SELECT max(version) FROM ${s}.schema_version) > ${PG_SCHEMA_VERSION} THEN
    RAISE EXCEPTION 'event store schema % is version %, newer than this code (${PG_SCHEMA_VERSION})', '${schema}', (SELECT max(version) FROM ${s}.schema_version);
  END IF;
END $check$;
INSERT INTO ${s}.schema_version SELECT ${PG_SCHEMA_VERSION} WHERE NOT EXISTS (SELECT 1 FROM ${s}.schema_version);
CREATE TABLE IF NOT EXISTS ${s}.events (
  position     bigint      PRIMARY KEY CHECK (position > 0),
  stream       text        NOT NULL,
  revision     bigint      NOT NULL CHECK (revision >= 0),
  id           uuid        NOT NULL,
  type         text        NOT NULL,
  content_type text        NOT NULL,
  data         bytea       NOT NULL,
  metadata     bytea       NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_stream_revision UNIQUE (stream, revision)
);
-- One append, one round trip. Arguments: the stream, the expected revision (see EXPECT_*), one
-- array element per event, and all events' data (metadata) concatenated with 0-based offsets and
-- lengths — one binary parameter instead of a bytea[] the drivers would send as escaped text.
-- Returns ok = false with the actual last revision (NULL: no stream) on a conflict, writing nothing.
CREATE OR REPLACE FUNCTION ${s}.append_events(
  p_stream text, p_expected bigint, p_ids uuid[], p_types text[], p_content_types text[],
  p_data bytea, p_data_offsets integer[], p_data_lengths integer[],
  p_meta bytea, p_meta_offsets integer[], p_meta_lengths integer[])
RETURNS TABLE (ok boolean, last_revision bigint, last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_last bigint;
  v_head bigint;
  v_n integer := cardinality(p_ids);
BEGIN
  -- Held until this transaction commits or rolls back: appends take positions in commit order.
  PERFORM pg_advisory_xact_lock(${advisoryKey('append', schema)});
  SELECT max(e.revision) INTO v_last FROM ${s}.events e WHERE e.stream = p_stream;
  IF NOT (p_expected = ${EXPECT_ANY}
          OR (p_expected = ${EXPECT_NO_STREAM} AND v_last IS NULL)
          OR (p_expected = ${EXPECT_STREAM_EXISTS} AND v_last IS NOT NULL)
          OR (v_last IS NOT NULL AND p_expected = v_last)) THEN
    RETURN QUERY SELECT false, v_last, NULL::bigint;
    RETURN;
  END IF;
  SELECT coalesce(max(e.position), 0) INTO v_head FROM ${s}.events e;
  INSERT INTO ${s}.events (position, stream, revision, id, type, content_type, data, metadata)
  SELECT v_head + i, p_stream, coalesce(v_last, -1) + i, p_ids[i], p_types[i], p_content_types[i],
         substring(p_data FROM p_data_offsets[i] + 1 FOR p_data_lengths[i]),
         substring(p_meta FROM p_meta_offsets[i] + 1 FOR p_meta_lengths[i])
  FROM generate_series(1, v_n) AS i;
  -- Delivered to listeners at commit, never for a rolled-back append.
  PERFORM pg_notify('${notifyChannel(schema)}', (v_head + v_n)::text);
  RETURN QUERY SELECT true, coalesce(v_last, -1) + v_n, v_head + v_n;
END
$fn$;`;
}
