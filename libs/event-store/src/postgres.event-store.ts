/**
 * The PostgreSQL adapter: several service processes (and machines) can share one store.
 *
 * Schema, the append function and how positions avoid the gap problem: postgres.schema.ts.
 *
 * Durability: an append is one statement in its own transaction; it resolves after COMMIT, which
 * with `synchronous_commit` at `on` (or stronger) returns only once the WAL is flushed. The store
 * refuses to open on a server with `synchronous_commit = off`, where an acknowledged commit can be
 * lost. Commit point: the COMMIT of `append_events`; before it nothing of the append exists, after
 * it all of it. If the connection breaks in between, the outcome is unknown
 * (`ERR_EVENT_STORE_UNAVAILABLE`: re-read before retrying), as the port says.
 *
 * Subscriptions are the same {@link PagedSubscription} the embedded store uses — read the next page
 * after the last position — woken by LISTEN/NOTIFY (each append notifies at commit) and, whatever
 * happens to the listening connection, by a poll every `pollIntervalMs`.
 */
import { ConcurrencyError, EventStoreError, isEventStoreError } from './event-store.errors.js';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from './event-store.port.js';
import { DEFAULT_MAX_EVENT_BYTES, checkAfter, planReadStream, validateAppend, type ValidEvent } from './event-validation.js';
import { ChangeSignal, PagedSubscription, type PagedSubscriptionOptions } from './paged.subscription.js';
import { createPostgresJsDriver, quoteIdent, type PgDriver, type PgDriverOptions, type SqlRow } from './postgres.driver.js';
import { EXPECT_ANY, EXPECT_NO_STREAM, EXPECT_STREAM_EXISTS, PG_SCHEMA_NAME, notifyChannel, schemaScript } from './postgres.schema.js';

export interface PostgresEventStoreOptions extends PagedSubscriptionOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/scitt`. */
  connectionString: string;
  /** The schema holding the store's tables (created if missing). Default `scitt`. */
  schema?: string;
  /** Limit on one event's data + metadata (default 4 MiB). */
  maxEventBytes?: number;
  /** Pooled connections for appends and reads (default 10), plus one for LISTEN. */
  poolSize?: number;
  /** Wake subscriptions with LISTEN/NOTIFY (default true); polling alone when false. */
  listen?: boolean;
  /** For the driver benchmark: another driver behind the same adapter. */
  driver?: (opts: PgDriverOptions) => PgDriver;
  /**
   * Events per subscription page (default 1000, not the embedded stores' 256: each page is a
   * network round trip, and catch-up is bound by them — measured in docs/event-store.md).
   */
  pageSize?: number;
  /** Told about a lost LISTEN connection (subscriptions keep polling meanwhile). */
  onListenError?: (err: unknown) => void;
}

/** One append's data (or metadata) may not exceed this in total: PostgreSQL caps a bytea value at 1 GB. */
const MAX_APPEND_BYTES = 512 * 1024 * 1024;
const READ_CHUNK = 512;
const MAX_POSITION = 2n ** 63n - 1n;
// Selected as `FROM events e`; ORDER BY must name `e.position` / `e.revision`: the bare names are these text aliases.
const COLS = 'e.position::text AS position, e.stream, e.revision::text AS revision, e.id::text AS id, e.type, e.content_type, e.data, e.metadata, (extract(epoch FROM e.recorded_at) * 1000)::float8 AS recorded_at';

/**
 * Opens (creating its schema if needed) a PostgreSQL event store.
 *
 * @example
 * ```ts
 * const store = await openPostgresEventStore({ connectionString: 'postgres://postgres@127.0.0.1/scitt' });
 * await store.append('log-1', [{ type: 'EntryRegistered', data }], 'no_stream');
 * ```
 */
export async function openPostgresEventStore(opts: PostgresEventStoreOptions): Promise<EventStore> {
  const schema = opts.schema ?? 'scitt';
  if (!PG_SCHEMA_NAME.test(schema)) {
    throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't open event store: schema ${JSON.stringify(schema)} is not 1–40 characters of a–z 0–9 _ (not starting with a digit)`);
  }
  const where = `${redact(opts.connectionString)} schema ${schema}`;
  // application_name names the store's sessions in pg_stat_activity (and lets tests find them)
  const driver = (opts.driver ?? createPostgresJsDriver)({ connectionString: opts.connectionString, poolSize: opts.poolSize, applicationName: `scitt-ledger ${schema}` });
  try {
    const [sc] = await driver.query('scitt_sync_commit', "SELECT current_setting('synchronous_commit') AS v", []);
    if (sc?.v === 'off') throw new Error('synchronous_commit is off: an acknowledged append could be lost in a server crash; set it to on');
    await driver.script(schemaScript(schema));
  } catch (err) {
    await driver.end().catch(() => undefined);
    throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't open event store ${where}: ${(err as Error).message}`, { cause: err });
  }
  const store = new PostgresEventStore(driver, schema, where, opts);
  if (opts.listen ?? true) {
    try {
      await store.startListening();
    } catch (err) {
      await store.close();
      throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't listen for appends on ${where}: ${(err as Error).message}`, { cause: err });
    }
  }
  return store;
}

class PostgresEventStore implements EventStore {
  readonly #driver: PgDriver;
  readonly #schema: string;
  readonly #where: string;
  readonly #opts: PostgresEventStoreOptions;
  readonly #changes = new ChangeSignal();
  readonly #subs = new Set<PagedSubscription>();
  readonly #sql;
  #listener: { close(): Promise<void> } | undefined;
  #closed = false;

  constructor(driver: PgDriver, schema: string, where: string, opts: PostgresEventStoreOptions) {
    this.#driver = driver;
    this.#schema = schema;
    this.#where = where;
    this.#opts = opts;
    const s = quoteIdent(schema);
    this.#sql = {
      append: `SELECT ok, last_revision::text AS last_revision, last_position::text AS last_position FROM ${s}.append_events($1, $2, $3::uuid[], $4::text[], $5::text[], $6, $7::int[], $8::int[], $9, $10::int[], $11::int[])`,
      lastRevision: `SELECT max(revision)::text AS r FROM ${s}.events WHERE stream = $1`,
      forward: `SELECT ${COLS} FROM ${s}.events e WHERE e.stream = $1 AND e.revision >= $2 ORDER BY e.revision LIMIT $3`,
      backward: `SELECT ${COLS} FROM ${s}.events e WHERE e.stream = $1 AND e.revision <= $2 ORDER BY e.revision DESC LIMIT $3`,
      all: `SELECT ${COLS} FROM ${s}.events e WHERE e.position > $1 ORDER BY e.position LIMIT $2`,
      head: `SELECT coalesce(max(position), 0)::text AS p FROM ${s}.events`,
    };
  }

  async startListening(): Promise<void> {
    this.#listener = await this.#driver.listen(
      notifyChannel(this.#schema),
      () => this.#changes.notify(),
      () => this.#changes.notify(),
      (err) => this.#opts.onListenError?.(err),
    );
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.#open();
    const valid = validateAppend(stream, events, expected, this.#opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
    const args = appendArgs(stream, valid, expected);
    let row: SqlRow | undefined;
    try {
      [row] = await this.#driver.query(`scitt_append_${this.#schema}`, this.#sql.append, args);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        // Only reachable if a writer bypassed append_events (and its lock): still a lost race.
        throw new ConcurrencyError(stream, expected, await this.#lastRevision(stream).catch(() => 'no_stream' as const), { cause: err });
      }
      throw this.#unavailable(`append to stream ${JSON.stringify(stream)}`, err);
    }
    if (!row) throw this.#unavailable(`append to stream ${JSON.stringify(stream)}`, new Error('append_events returned no row'));
    if (row.ok !== true) throw new ConcurrencyError(stream, expected, row.last_revision === null ? 'no_stream' : Number(row.last_revision));
    this.#changes.notify();
    return { nextExpectedRevision: Number(row.last_revision), position: BigInt(row.last_position as string) };
  }

  async *readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const plan = planReadStream(stream, opts);
    this.#open();
    let remaining = plan.maxCount;
    let next: number;
    if (plan.forward) {
      if (plan.from === 'end') return;
      next = plan.from === 'start' ? 0 : plan.from;
    } else {
      next = plan.from === 'end' ? Number.MAX_SAFE_INTEGER : plan.from === 'start' ? 0 : plan.from;
    }
    while (remaining > 0 && next >= 0) {
      this.#open();
      const n = Math.min(READ_CHUNK, remaining);
      const name = plan.forward ? 'forward' : 'backward';
      const rows = await this.#read(name, this.#sql[name], [stream, next, n], `stream ${JSON.stringify(stream)}`);
      for (const row of rows) yield toEvent(row);
      if (rows.length < n) return;
      remaining -= rows.length;
      const lastRev = Number(rows[rows.length - 1]!.revision);
      next = plan.forward ? lastRev + 1 : lastRev - 1;
    }
  }

  async readAll(opts: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    checkAfter(opts.after, opts.maxCount);
    this.#open();
    return this.#page(opts.after ?? 0n, opts.maxCount ?? 1000);
  }

  async headPosition(): Promise<bigint> {
    this.#open();
    const [row] = await this.#read('head', this.#sql.head, [], 'the head position');
    return BigInt(row!.p as string);
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    this.#open();
    const source = { readPage: async (after: bigint, n: number) => (this.#open(), this.#page(after, n)), changes: this.#changes };
    const sub = new PagedSubscription(source, opts, { pageSize: this.#opts.pageSize ?? 1000, pollIntervalMs: this.#opts.pollIntervalMs }, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#subs]) await s.close();
    await this.#listener?.close();
    await this.#driver.end().catch(() => undefined);
  }

  async #page(after: bigint, maxCount: number): Promise<RecordedEvent[]> {
    if (after >= MAX_POSITION) return [];
    return (await this.#read('all', this.#sql.all, [after.toString(), maxCount], '$all')).map(toEvent);
  }

  async #lastRevision(stream: string): Promise<number | 'no_stream'> {
    const [row] = await this.#read('lastRevision', this.#sql.lastRevision, [stream], `stream ${JSON.stringify(stream)}`);
    return row?.r === null || row?.r === undefined ? 'no_stream' : Number(row.r);
  }

  async #read(name: string, text: string, params: unknown[], what: string): Promise<SqlRow[]> {
    try {
      return await this.#driver.query(`scitt_${name}_${this.#schema}`, text, params);
    } catch (err) {
      throw this.#unavailable(`read ${what}`, err);
    }
  }

  #unavailable(what: string, err: unknown): EventStoreError {
    if (isEventStoreError(err)) return err;
    if (this.#closed) return new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't ${what}: the event store ${this.#where} is closed`, { cause: err });
    return new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't ${what} on ${this.#where}: ${(err as Error).message}`, { cause: err });
  }

  #open(): void {
    if (this.#closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't use event store ${this.#where}: it is closed`);
  }
}

/** The arguments of `append_events`: see postgres.schema.ts. */
function appendArgs(stream: string, events: ValidEvent[], expected: ExpectedRevision): unknown[] {
  const exp = expected === 'any' ? EXPECT_ANY : expected === 'no_stream' ? EXPECT_NO_STREAM : expected === 'stream_exists' ? EXPECT_STREAM_EXISTS : expected;
  const pack = (parts: Uint8Array[]): [Buffer, number[], number[]] => {
    const total = parts.reduce((n, p) => n + p.length, 0);
    if (total > MAX_APPEND_BYTES) {
      throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't append to stream ${JSON.stringify(stream)}: ${total} bytes in one append, more than ${MAX_APPEND_BYTES}; split it`);
    }
    const buf = Buffer.allocUnsafe(total);
    const offsets: number[] = [];
    let at = 0;
    for (const p of parts) {
      offsets.push(at);
      buf.set(p, at);
      at += p.length;
    }
    return [buf, offsets, parts.map((p) => p.length)];
  };
  const [data, dataOffsets, dataLengths] = pack(events.map((e) => e.data));
  const [meta, metaOffsets, metaLengths] = pack(events.map((e) => e.metadata));
  return [stream, exp, events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.contentType), data, dataOffsets, dataLengths, meta, metaOffsets, metaLengths];
}

function toEvent(r: SqlRow): RecordedEvent {
  const data = r.data as Buffer;
  const metadata = r.metadata as Buffer;
  return {
    id: r.id as string,
    stream: r.stream as string,
    revision: Number(r.revision),
    position: BigInt(r.position as string),
    type: r.type as string,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    metadata: new Uint8Array(metadata.buffer, metadata.byteOffset, metadata.byteLength),
    contentType: r.content_type as string,
    recordedAt: new Date(Math.floor(r.recorded_at as number)),
  };
}

/** The connection string without its password, for messages. */
export function redact(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable connection string)';
  }
}
