/**
 * Service configuration from environment variables, validated once at start. A bad value stops
 * the service with a message naming the variable, what it got and what it accepts.
 * docs/operations.md lists every variable.
 */
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { loadAuthConfig, type AuthConfig } from '../auth/auth.config.js';

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly policyFile: string | undefined;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly maxBodyBytes: number;
  /** the service's issuer identifier: the receipt's CWT `iss` */
  readonly issuer: string;
  /** the log's identifier (receipt CWT `sub`, stream `log-<logId>`); generated and kept under dataDir when unset */
  readonly logId: string | undefined;
  readonly serviceKeyFile: string | undefined;
  readonly serviceKeyAlg: 'ES256' | 'ES384' | 'EdDSA';
  readonly sequencer: { readonly maxBatch: number; readonly maxBatchBytes: number; readonly lingerMs: number; readonly maxQueue: number; readonly maxQueueBytes: number; readonly retryMaxMs: number };
  /** how long POST /entries waits for durability before answering 303 */
  readonly registerWaitMs: number;
  /** registrations per client address per minute (token bucket, burst = the same number); 0 disables */
  readonly rateLimitPerMinute: number;
  /** reads (GET/HEAD except /health) per client address per minute, a budget separate from registrations'; 0 disables */
  readonly readRateLimitPerMinute: number;
  /** statement bytes being received, verified or awaiting the sequencer at once (POST /entries); beyond: 503 */
  readonly maxInflightBytes: number;
  /** a list response (log entries, claims) ends its page before its body passes this many bytes (one item always fits) */
  readonly pageMaxBytes: number;
  /** request target (path + query) bytes at most: 414 beyond */
  readonly maxUrlBytes: number;
  /** time to receive a whole request: 408 beyond */
  readonly requestTimeoutMs: number;
  readonly eventStore:
    | { readonly kind: 'sqlite' }
    | { readonly kind: 'kurrentdb'; readonly connectionString: string }
    | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string };
  /** how often a background thread checkpoints the SQLite WALs the hot path writes (ms); 0: SQLite's automatic checkpoints on the writing thread */
  readonly sqliteCheckpointMs: number;
  /** free bytes the data directory's disk must have to start, and to resume writes after a failure; 0 disables the check */
  readonly minFreeDiskBytes: number;
  /** several nodes, one sequencer (docs/operations.md): `single` is today's one process; `auto` competes for the lease; `follower` never leads */
  readonly node: { readonly mode: 'single' | 'auto' | 'follower'; readonly id: string; readonly url: string | undefined; readonly leaseTtlMs: number; readonly leaseRetryMs: number };
  /** submitter (and, for private deployments, reader) authentication: src/auth */
  readonly auth: AuthConfig;
}

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected one of ${allowed.join(', ')}`);
  return raw as T;
}

/** Read and validate the configuration. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): ServiceConfig {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || 'localhost';
  const dataDirRaw = env.DATA_DIR || './data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const logId = env.LOG_ID || undefined;
  if (logId !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(logId)) {
    throw new ConfigError(`LOG_ID=${JSON.stringify(logId)} is not valid: expected 1–64 characters of A–Z a–z 0–9 . _ -`);
  }
  const issuer = env.SERVICE_ISSUER || `http://${host}:${port}`;
  // ≤ 3 MiB: an entry travels base64url in a JSON event, and the embedded store caps events at 4 MiB.
  const maxBodyBytes = int(env, 'MAX_BODY_BYTES', 1024 * 1024, 64, 3 * 1024 * 1024);
  const eventStore = eventStoreOf(env);
  const auth = loadAuthConfig(env, cwd);
  return {
    port,
    host,
    dataDir,
    policyFile: env.POLICY_FILE || undefined,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['error', 'warn', 'info', 'debug'] as const),
    maxBodyBytes,
    issuer,
    logId,
    serviceKeyFile: env.SERVICE_KEY_FILE || undefined,
    serviceKeyAlg: oneOf(env, 'SERVICE_KEY_ALG', 'ES256', ['ES256', 'ES384', 'EdDSA'] as const),
    sequencer: {
      maxBatch: int(env, 'SEQUENCER_MAX_BATCH', 512, 1, 10000),
      maxBatchBytes: int(env, 'SEQUENCER_MAX_BATCH_BYTES', 2 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      lingerMs: int(env, 'SEQUENCER_LINGER_MS', 0, 0, 1000),
      maxQueue: int(env, 'SEQUENCER_MAX_QUEUE', 20000, 1, 1000000),
      maxQueueBytes: int(env, 'SEQUENCER_MAX_QUEUE_BYTES', 256 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
      retryMaxMs: int(env, 'SEQUENCER_RETRY_MAX_MS', 30000, 10, 3600000),
    },
    registerWaitMs: int(env, 'REGISTER_WAIT_MS', 10000, 0, 600000),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 6000, 0, 100000000),
    readRateLimitPerMinute: int(env, 'READ_RATE_LIMIT_PER_MINUTE', 60000, 0, 100000000),
    maxInflightBytes: inflightBytes(env, maxBodyBytes),
    pageMaxBytes: int(env, 'PAGE_MAX_BYTES', 4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
    maxUrlBytes: int(env, 'MAX_URL_BYTES', 8192, 256, 12288),
    requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 60000, 200, 3600000),
    eventStore,
    sqliteCheckpointMs: checkpointInterval(env),
    minFreeDiskBytes: int(env, 'MIN_FREE_DISK_BYTES', 16 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    auth,
    node: nodeOf(env, eventStore, port, auth),
  };
}

/** NODE_ROLE and what a node of several needs: a shared store, log id, key and issuer. */
function nodeOf(env: Env, eventStore: ServiceConfig['eventStore'], port: number, auth: AuthConfig): ServiceConfig['node'] {
  const mode = oneOf(env, 'NODE_ROLE', 'single', ['single', 'auto', 'follower'] as const);
  if (mode !== 'single') {
    if (eventStore.kind !== 'postgres') throw new ConfigError(`NODE_ROLE=${mode} needs EVENT_STORE=postgres: the sequencer lease is a PostgreSQL advisory lock`);
    for (const name of ['LOG_ID', 'SERVICE_KEY_FILE', 'SERVICE_ISSUER'] as const) {
      if (!env[name]) throw new ConfigError(`NODE_ROLE=${mode} needs ${name}: every node of a log must use the same one (docs/operations.md)`);
    }
    // A follower hands statements to the leader's POST /entries without the client's credential.
    if (auth.tokensFile || auth.oidc) throw new ConfigError(`NODE_ROLE=${mode} does not support submitter authentication yet (AUTH_TOKENS_FILE, AUTH_OIDC_ISSUER): a follower's hand-over to the leader carries no credential`);
  }
  const url = env.NODE_URL || undefined;
  if (url !== undefined && !/^https?:\/\/[^/?#]+$/.test(url)) throw new ConfigError(`NODE_URL=${JSON.stringify(url)} is not valid: expected http(s)://host[:port] (no path), the URL other nodes reach this one at`);
  const id = env.NODE_ID || `${hostname()}:${port}`;
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(id)) throw new ConfigError(`NODE_ID=${JSON.stringify(id)} is not valid: expected 1–64 characters of A–Z a–z 0–9 . _ : -`);
  return { mode, id, url, leaseTtlMs: int(env, 'LEASE_TTL_MS', 3000, 200, 600000), leaseRetryMs: int(env, 'LEASE_RETRY_MS', 250, 10, 60000) };
}

/** At least one statement of the largest size must fit. */
function inflightBytes(env: Env, maxBodyBytes: number): number {
  const n = int(env, 'MAX_INFLIGHT_BYTES', 64 * 1024 * 1024, 64, 64 * 1024 * 1024 * 1024);
  if (n < maxBodyBytes) throw new ConfigError(`MAX_INFLIGHT_BYTES=${n} is not valid: it must be at least MAX_BODY_BYTES (${maxBodyBytes}), or no statement of the largest size could ever be registered`);
  return n;
}

function eventStoreOf(env: Env): ServiceConfig['eventStore'] {
  const kind = oneOf(env, 'EVENT_STORE', 'sqlite', ['sqlite', 'kurrentdb', 'postgres'] as const);
  if (kind === 'kurrentdb') {
    const cs = env.KURRENTDB_CONNECTION_STRING;
    if (!cs) throw new ConfigError('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING (e.g. kurrentdb://localhost:2113?tls=false)');
    return { kind: 'kurrentdb', connectionString: cs };
  }
  if (kind === 'postgres') {
    const url = env.POSTGRES_URL;
    if (!url) throw new ConfigError('EVENT_STORE=postgres needs POSTGRES_URL (e.g. postgres://scitt@127.0.0.1:5432/scitt)');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('POSTGRES_URL is not a URL: expected postgres://user[:password]@host[:port]/database');
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      throw new ConfigError(`POSTGRES_URL has the scheme ${JSON.stringify(parsed.protocol)}: expected postgres:// or postgresql://`);
    }
    const schema = env.POSTGRES_SCHEMA || 'scitt';
    if (!/^[a-z_][a-z0-9_]{0,39}$/.test(schema)) throw new ConfigError(`POSTGRES_SCHEMA=${JSON.stringify(schema)} is not valid: expected 1–40 characters of a–z 0–9 _, not starting with a digit`);
    return { kind: 'postgres', connectionString: url, schema };
  }
  return { kind: 'sqlite' };
}

function checkpointInterval(env: Env): number {
  const ms = int(env, 'SQLITE_CHECKPOINT_MS', 500, 0, 60000);
  if (ms > 0 && ms < 10) throw new ConfigError(`SQLITE_CHECKPOINT_MS=${ms} is not valid: expected 0 (off) or 10–60000 ms`);
  return ms;
}
