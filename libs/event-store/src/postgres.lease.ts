/**
 * The sequencer lease on PostgreSQL: which of several service nodes sequences a log.
 *
 * The lease is a session advisory lock (`pg_try_advisory_lock`) on a key derived from the schema
 * and the log id, held by a connection of its own. Losing that connection is losing the lease:
 * the server releases a session lock when the session ends — a killed node's socket closes at
 * once, and a stopped or partitioned node's session ends after `ttlMs` without a heartbeat
 * (`idle_session_timeout`, set on the lease session only). The holder proves every `heartbeatMs`
 * that the session holding the lock is still its own; when it is not (or the connection closes),
 * it is told (`onLost`) and must stop appending.
 *
 * The lease is not what keeps the log linear: the expected revision on every append is. Two nodes
 * may briefly both believe they lead (the old one has not noticed yet); the second append with the
 * same expected revision fails, nothing forks. The lease only makes that case rare.
 *
 * Who leads (node id and URL, for followers that forward registrations) is a row in
 * `<schema>.sequencer_leases`, written by the holder and trusted only while its session holds the lock.
 *
 * Every statement on the lease session is one simple-protocol Query message, its values written
 * into it as literals ({@link sqlLiteral}), never a parameterised statement. The server arms
 * `idle_session_timeout` only when it has answered ReadyForQuery; a parameterised statement whose
 * types the driver must first ask about (Parse, Describe, Flush — then Bind, Execute, Sync) leaves
 * the session waiting for the client between the two halves with no timeout at all. A holder
 * stopped in that gap kept the lease for as long as its TCP connection lived: 5 of 20 holders
 * stopped at random with back-to-back heartbeats did (the CI failure "no node leads after 20000
 * ms" after a leader's SIGSTOP). postgres.lease.int.spec.ts stops real holders to show it no longer can.
 */
import { createHash } from 'node:crypto';
import postgres from 'postgres';
import { EventStoreError } from './event-store.errors.js';
import { quoteIdent } from './postgres.driver.js';
import { PG_SCHEMA_NAME } from './postgres.schema.js';

export interface LeaseHolder {
  readonly nodeId: string;
  readonly url: string;
  /** when the holder took the lease */
  readonly since: Date;
}

export interface PostgresLeaseOptions {
  connectionString: string;
  schema: string;
  /** what the lease is for: the log id */
  name: string;
  /** this node: who followers forward to while it holds the lease */
  nodeId: string;
  url: string;
  /** a session silent this long is ended by the server, releasing the lease (default 3000) */
  ttlMs?: number;
  /** how often the holder proves it still holds the lease (default ttlMs / 6) */
  heartbeatMs?: number;
  /** told once when a held lease is lost (connection closed, session ended, heartbeat failed) */
  onLost?: (why: string) => void;
  /**
   * TESTS ONLY (TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS): the lease's own notices of a loss — the
   * connection closing, a failed heartbeat — reach `onLost` this many ms late, so that a paused
   * holder's next append meets the fence (the expected revision) before it knows. A {@link check}
   * the node asks for (after a conflict) is never delayed. Default 0.
   */
  testLossNoticeDelayMs?: number;
}

/** The advisory lock key: the first 8 bytes of SHA-256(schema NUL name), a signed 64-bit integer. */
export function leaseKey(schema: string, name: string): bigint {
  return createHash('sha256').update(`${schema}\0${name}`).digest().readBigInt64BE(0);
}

/**
 * A string or integer as an SQL literal, for statements sent as one simple-protocol message (see
 * the module comment): a string in single quotes with each quote doubled (the server's
 * `standard_conforming_strings`, on since PostgreSQL 9.1 and set on the lease session, keeps
 * backslashes literal); NUL, which no text value may hold, is refused.
 */
export function sqlLiteral(v: string | number | bigint): string {
  if (typeof v !== 'string') {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `${v} is not an integer`);
    return v.toString();
  }
  if (v.includes('\0')) throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', 'a value for the lease holds a NUL character');
  return `'${v.replaceAll("'", "''")}'`;
}

/**
 * The query answering who holds the lease `key` of `schema`: one row (node_id, url, since in ms)
 * while the session the lease row names holds the lock, none otherwise — one statement with its
 * values inlined (no parameters: see the module comment). Also used by nodes that only need to know
 * (the publishers' guard, src/processors/leader-guard.ts).
 */
export function holderQuery(schema: string, key: bigint): string {
  if (!PG_SCHEMA_NAME.test(schema)) throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `schema ${JSON.stringify(schema)} is not valid`);
  const k = sqlLiteral(key);
  return `SELECT l.node_id, l.url, (extract(epoch FROM l.acquired_at) * 1000)::float8 AS since FROM ${quoteIdent(schema)}.sequencer_leases l
       WHERE l.lease_key = ${sqlLiteral(key.toString())} AND EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.pid
         AND k.classid::bigint = ((${k}::bigint >> 32) & 4294967295) AND k.objid::bigint = (${k}::bigint & 4294967295) AND k.objsubid = 1)`;
}

export class PostgresLease {
  readonly key: bigint;
  readonly #o: PostgresLeaseOptions;
  readonly #sql: postgres.Sql;
  readonly #table: string;
  readonly #ttlMs: number;
  #pid: number | null = null;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  #ready: Promise<void> | undefined;

  constructor(o: PostgresLeaseOptions) {
    if (!PG_SCHEMA_NAME.test(o.schema)) throw new EventStoreError('ERR_EVENT_STORE_INVALID_ARGUMENT', `couldn't create the lease: schema ${JSON.stringify(o.schema)} is not valid`);
    this.#o = o;
    this.#ttlMs = o.ttlMs ?? 3000;
    this.key = leaseKey(o.schema, o.name);
    this.#table = `${quoteIdent(o.schema)}.sequencer_leases`;
    this.#sql = postgres(o.connectionString, {
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      connect_timeout: 5,
      onnotice: () => undefined,
      // The server ends this session after ttlMs without a statement: a stopped holder loses the lease.
      connection: { application_name: `scitt-ledger lease ${o.schema}`.slice(0, 63), idle_session_timeout: String(this.#ttlMs), standard_conforming_strings: 'on' } as never,
      onclose: () => {
        if (this.#pid !== null) this.#noticeLoss('the lease connection closed');
      },
    });
  }

  /** The node holds the lease now (as far as it has checked). */
  get held(): boolean {
    return this.#pid !== null;
  }

  /** Tries once to take the lease; true when this node holds it (now or already). */
  async tryAcquire(): Promise<boolean> {
    this.#open();
    if (this.#pid !== null) return true;
    await this.#setup();
    const [row] = await this.#query(`SELECT pg_try_advisory_lock(${sqlLiteral(this.key)}::bigint) AS ok, pg_backend_pid() AS pid`);
    if (row?.ok !== true) return false;
    const pid = Number(row.pid);
    const [key, node, url] = [sqlLiteral(this.key.toString()), sqlLiteral(this.#o.nodeId), sqlLiteral(this.#o.url)];
    await this.#query(
      `INSERT INTO ${this.#table} (lease_key, node_id, url, pid, acquired_at, heartbeat_at) VALUES (${key}, ${node}, ${url}, ${sqlLiteral(pid)}, now(), now())
       ON CONFLICT (lease_key) DO UPDATE SET node_id = ${node}, url = ${url}, pid = ${sqlLiteral(pid)}, acquired_at = now(), heartbeat_at = now()`,
    );
    this.#pid = pid;
    this.#scheduleHeartbeat();
    return true;
  }

  /**
   * Proves the lease is still held: the lease row names this session and the session is the
   * connection's (a reconnected connection is another session, without the lock). Resolves false
   * (and calls `onLost`) when it is not.
   */
  check(): Promise<boolean> {
    return this.#check((why) => this.#lose(why));
  }

  async #check(lose: (why: string) => void): Promise<boolean> {
    if (this.#pid === null || this.#closed) return false;
    const pid = this.#pid;
    try {
      const rows = await this.#query(`UPDATE ${this.#table} SET heartbeat_at = now() WHERE lease_key = ${sqlLiteral(this.key.toString())} AND pid = pg_backend_pid() AND pid = ${sqlLiteral(pid)} RETURNING 1`);
      if (rows.length === 1) return true;
      lose('the lease session ended (the server released the lock)');
    } catch (err) {
      lose(`the heartbeat failed: ${(err as Error).message}`);
    }
    return false;
  }

  /** Who holds the lease now, or null (nobody, or a holder whose session is gone). */
  async holder(): Promise<LeaseHolder | null> {
    this.#open();
    await this.#setup();
    const [row] = await this.#query(holderQuery(this.#o.schema, this.key));
    return row ? { nodeId: row.node_id as string, url: row.url as string, since: new Date(Math.floor(row.since as number)) } : null;
  }

  /** Gives a held lease up; the node may take it again later. */
  async release(): Promise<void> {
    if (this.#pid === null) return;
    this.#pid = null;
    clearTimeout(this.#heartbeat);
    await this.#query('SELECT pg_advisory_unlock_all()');
  }

  /** Gives the lease up (the session ends) and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#heartbeat);
    this.#pid = null;
    await this.#sql.end({ timeout: 2 }).catch(() => undefined);
  }

  #scheduleHeartbeat(): void {
    clearTimeout(this.#heartbeat);
    const every = this.#o.heartbeatMs ?? Math.max(50, Math.floor(this.#ttlMs / 6));
    this.#heartbeat = setTimeout(() => {
      void this.#check((why) => this.#noticeLoss(why)).then((ok) => {
        if (ok && !this.#closed) this.#scheduleHeartbeat();
      });
    }, every);
    this.#heartbeat.unref();
  }

  /** A loss the lease noticed by itself (heartbeat, connection): at once, or late under the test knob. */
  #noticeLoss(why: string): void {
    const delay = this.#o.testLossNoticeDelayMs ?? 0;
    if (delay <= 0) this.#lose(why);
    else setTimeout(() => this.#lose(`${why}; noticed ${delay} ms late: TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS`), delay).unref();
  }

  #lose(why: string): void {
    if (this.#pid === null) return;
    this.#pid = null;
    clearTimeout(this.#heartbeat);
    // The session may still be alive (a failed heartbeat): end it, so the server releases the lock.
    void this.#query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    this.#o.onLost?.(why);
  }

  #setup(): Promise<void> {
    const create = `CREATE TABLE IF NOT EXISTS ${this.#table} (lease_key text PRIMARY KEY, node_id text NOT NULL, url text NOT NULL, pid int NOT NULL, acquired_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL)`;
    // Two nodes creating the table at once: one of them may fail on the catalog's unique index; once more settles it.
    this.#ready ??= this.#query(create)
      .catch(() => new Promise((r) => setTimeout(r, 50)).then(() => this.#query(create)))
      .then(() => undefined)
      .catch((err: unknown) => {
        this.#ready = undefined;
        throw new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't create the lease table ${this.#table}: ${(err as Error).message}`, { cause: err });
      });
    return this.#ready;
  }

  /** One statement, as one simple-protocol message (no parameters: see the module comment). */
  #query(text: string): Promise<postgres.Row[]> {
    return this.#sql.unsafe(text, [], { simple: true });
  }

  #open(): void {
    if (this.#closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', "couldn't use the sequencer lease: it is closed");
  }
}
