/**
 * The service's configuration: every environment variable the service, its processors' thread and
 * the projections rebuild read, parsed and validated here, once, before any I/O (no data directory
 * is created and no store opened before the whole configuration is known to be good). A bad
 * configuration stops with ONE {@link ConfigError} naming every bad variable, what it got and what
 * it accepts. docs/operations.md lists every variable (config.docs.unit.spec.ts keeps them in step).
 *
 * Adding a variable: one line in {@link loadConfig} (an `r.int` / `r.oneOf` / `r.bool` / `r.str`
 * call, or `r.section` around a group's own parser), one field in {@link ServiceConfig}, one row in
 * docs/operations.md.
 */
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseKafkaConfig, type KafkaSettings } from '../../libs/kafka/src/index.js';
import { loadAuthConfig, type AuthConfig } from '../auth/auth.config.js';
import { loadPublisherConfig, type PublisherConfig } from '../publisher/publisher.config.js';
import { EnvReader, type Env } from './env.reader.js';
import type { VerifyPlacement } from '../entries/verify-placement.js';

export { ConfigError, type Env } from './env.reader.js';

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
  /** where statement signatures are verified: VERIFY_PLACEMENT (entries/verify-placement.ts) */
  readonly verifyPlacement: VerifyPlacement;
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
  readonly node: {
    readonly mode: 'single' | 'auto' | 'follower';
    readonly id: string;
    readonly url: string | undefined;
    readonly leaseTtlMs: number;
    readonly leaseRetryMs: number;
    /** NODE_SECRET_FILE: the cluster's node credential (src/log/node-credential.ts); set with NODE_ROLE=auto|follower */
    readonly secretFile: string | undefined;
    /** TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS (tests only, refused unless NODE_ENV=test): see postgres.lease.ts */
    readonly testLeaseLossNoticeDelayMs: number;
  };
  /** submitter (and, for private deployments, reader) authentication: src/auth */
  readonly auth: AuthConfig;
  /** LOG_FORMAT: `auto` is pretty on a terminal, JSON otherwise */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** SQLITE_WORKER: the embedded store's connection in its own thread (the HTTP thread's store) */
  readonly sqliteWorker: boolean;
  /** where the background processors run (processors/processor-host.ts) */
  readonly processors: { readonly thread: 'worker' | 'main'; readonly pollIntervalMs: number; readonly nice: number; readonly lingerMs: number };
  /** the projections' SQLite file (PROJECTIONS_DB, default `<dataDir>/projections.sqlite`) */
  readonly projectionsPath: string;
  /** the OCI referrer publisher (docs/oci.md) */
  readonly publisher: PublisherConfig;
  /** Kafka integration events (docs/kafka.md); null: disabled */
  readonly kafka: KafkaSettings | null;
  /** what this configuration was read from: another thread reads the same (functions and URLs can't cross threads) */
  readonly source: { readonly env: Env; readonly cwd: string };
}

/**
 * Reads and validates the whole configuration; throws one {@link ConfigError} listing every bad variable.
 * @example
 *   const config = loadConfig(process.env); // before any file is touched
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): ServiceConfig {
  const r = new EnvReader(env);
  const port = r.int('PORT', 8080, 0, 65535);
  const host = r.str('HOST') ?? 'localhost';
  const dataDirRaw = r.str('DATA_DIR') ?? './data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  let logId = r.str('LOG_ID');
  if (logId !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(logId)) logId = r.problem(`LOG_ID=${JSON.stringify(logId)} is not valid: expected 1–64 characters of A–Z a–z 0–9 . _ -`, undefined);
  // ≤ 3 MiB: an entry travels base64url in a JSON event, and the embedded store caps events at 4 MiB.
  const maxBodyBytes = r.int('MAX_BODY_BYTES', 1024 * 1024, 64, 3 * 1024 * 1024);
  const projectionsDb = r.str('PROJECTIONS_DB');
  const eventStore = eventStoreOf(r);
  const auth = r.section(() => loadAuthConfig(env, cwd));
  const config: ServiceConfig = {
    port,
    host,
    dataDir,
    policyFile: r.str('POLICY_FILE'),
    logLevel: r.oneOf('LOG_LEVEL', 'info', ['error', 'warn', 'info', 'debug'] as const),
    logFormat: logFormatOf(r),
    maxBodyBytes,
    issuer: r.str('SERVICE_ISSUER') ?? `http://${host}:${port}`,
    logId,
    serviceKeyFile: r.str('SERVICE_KEY_FILE'),
    serviceKeyAlg: r.oneOf('SERVICE_KEY_ALG', 'ES256', ['ES256', 'ES384', 'EdDSA'] as const),
    sequencer: {
      maxBatch: r.int('SEQUENCER_MAX_BATCH', 512, 1, 10000),
      maxBatchBytes: r.int('SEQUENCER_MAX_BATCH_BYTES', 2 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      lingerMs: r.int('SEQUENCER_LINGER_MS', 2, 0, 1000),
      maxQueue: r.int('SEQUENCER_MAX_QUEUE', 20000, 1, 1000000),
      maxQueueBytes: r.int('SEQUENCER_MAX_QUEUE_BYTES', 256 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
      retryMaxMs: r.int('SEQUENCER_RETRY_MAX_MS', 30000, 10, 3600000),
    },
    verifyPlacement: r.oneOf('VERIFY_PLACEMENT', 'auto', ['auto', 'pool', 'inline'] as const),
    registerWaitMs: r.int('REGISTER_WAIT_MS', 10000, 0, 600000),
    rateLimitPerMinute: r.int('RATE_LIMIT_PER_MINUTE', 6000, 0, 100000000),
    readRateLimitPerMinute: r.int('READ_RATE_LIMIT_PER_MINUTE', 60000, 0, 100000000),
    maxInflightBytes: inflightBytes(r, maxBodyBytes),
    pageMaxBytes: r.int('PAGE_MAX_BYTES', 4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
    maxUrlBytes: r.int('MAX_URL_BYTES', 8192, 256, 12288),
    requestTimeoutMs: r.int('HTTP_REQUEST_TIMEOUT_MS', 60000, 200, 3600000),
    eventStore,
    sqliteWorker: r.bool('SQLITE_WORKER', true),
    sqliteCheckpointMs: checkpointInterval(r),
    minFreeDiskBytes: r.int('MIN_FREE_DISK_BYTES', 16 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    auth,
    node: nodeOf(r, eventStore, port, cwd),
    processors: {
      thread: r.oneOf('PROCESSOR_THREAD', 'worker', ['worker', 'main'] as const, true),
      pollIntervalMs: r.int('PROCESSOR_POLL_MS', 20, 1, 10_000),
      nice: r.int('PROCESSOR_NICE', 10, 0, 19),
      lingerMs: r.int('PROCESSOR_LINGER_MS', 100, 0, 1000),
    },
    projectionsPath: projectionsDb ? (isAbsolute(projectionsDb) ? projectionsDb : resolve(cwd, projectionsDb)) : join(dataDir, 'projections.sqlite'),
    publisher: r.section(() => loadPublisherConfig(env, dataDir)),
    kafka: r.section(() => parseKafkaConfig(env)),
    source: { env: { ...env }, cwd },
  };
  r.done();
  return config;
}

/** LOG_FORMAT: `json`, `pretty`, or unset/`auto` (pretty on a terminal, JSON otherwise). */
function logFormatOf(r: EnvReader): ServiceConfig['logFormat'] {
  const raw = r.str('LOG_FORMAT');
  const v = (raw ?? 'auto').toLowerCase();
  if (v === 'auto' || v === 'json' || v === 'pretty') return v;
  return r.problem(`LOG_FORMAT=${JSON.stringify(raw)} is not valid: expected json, pretty or auto`, 'auto');
}

/** NODE_ROLE and what a node of several needs: a shared store, log id, key, issuer and node secret. */
function nodeOf(r: EnvReader, eventStore: ServiceConfig['eventStore'], port: number, cwd: string): ServiceConfig['node'] {
  const mode = r.oneOf('NODE_ROLE', 'single', ['single', 'auto', 'follower'] as const);
  const secret = r.str('NODE_SECRET_FILE');
  if (mode !== 'single') {
    if (eventStore.kind !== 'postgres') r.problem(`NODE_ROLE=${mode} needs EVENT_STORE=postgres: the sequencer lease is a PostgreSQL advisory lock`, undefined);
    for (const name of ['LOG_ID', 'SERVICE_KEY_FILE', 'SERVICE_ISSUER'] as const) {
      if (!r.str(name)) r.problem(`NODE_ROLE=${mode} needs ${name}: every node of a log must use the same one (docs/operations.md)`, undefined);
    }
    // Followers hand admitted entries to the leader's internal endpoint, authenticated with this secret.
    if (!secret) r.problem(`NODE_ROLE=${mode} needs NODE_SECRET_FILE: the nodes' shared secret that authenticates a follower's hand-over to the leader (docs/operations.md)`, undefined);
  } else if (secret) r.problem('NODE_SECRET_FILE is set but NODE_ROLE=single: a single node takes no hand-overs (set NODE_ROLE=auto|follower, or unset it)', undefined);
  let url = r.str('NODE_URL');
  if (url !== undefined && !/^https?:\/\/[^/?#]+$/.test(url)) url = r.problem(`NODE_URL=${JSON.stringify(url)} is not valid: expected http(s)://host[:port] (no path), the URL other nodes reach this one at`, undefined);
  let id = r.str('NODE_ID') ?? `${hostname()}:${port}`;
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(id)) id = r.problem(`NODE_ID=${JSON.stringify(id)} is not valid: expected 1–64 characters of A–Z a–z 0–9 . _ : -`, id);
  return {
    mode,
    id,
    url,
    leaseTtlMs: r.int('LEASE_TTL_MS', 3000, 200, 600000),
    leaseRetryMs: r.int('LEASE_RETRY_MS', 250, 10, 60000),
    secretFile: secret && (isAbsolute(secret) ? secret : resolve(cwd, secret)),
    testLeaseLossNoticeDelayMs: testLeaseKnob(r, mode),
  };
}

/**
 * TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS: a test knob (test/e2e/multinode-fence.e2e.spec.ts) that
 * holds back the lease's own notice of its loss, so that a paused leader's next append reaches the
 * store first and fails on the revision. Never for a deployment: refused unless NODE_ENV=test and a
 * node of several; the service logs a warning when it is set.
 */
function testLeaseKnob(r: EnvReader, mode: ServiceConfig['node']['mode']): number {
  const ms = r.int('TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS', 0, 0, 60000);
  if (ms === 0) return 0;
  if (r.str('NODE_ENV') !== 'test') return r.problem('TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS is a test knob (it delays noticing a lost sequencer lease): refused unless NODE_ENV=test', 0);
  if (mode === 'single') return r.problem('TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS needs NODE_ROLE=auto|follower (a single node holds no lease)', 0);
  return ms;
}

/** At least one statement of the largest size must fit. */
function inflightBytes(r: EnvReader, maxBodyBytes: number): number {
  const n = r.int('MAX_INFLIGHT_BYTES', 64 * 1024 * 1024, 64, 64 * 1024 * 1024 * 1024);
  if (n < maxBodyBytes) return r.problem(`MAX_INFLIGHT_BYTES=${n} is not valid: it must be at least MAX_BODY_BYTES (${maxBodyBytes}), or no statement of the largest size could ever be registered`, n);
  return n;
}

function eventStoreOf(r: EnvReader): ServiceConfig['eventStore'] {
  const kind = r.oneOf('EVENT_STORE', 'sqlite', ['sqlite', 'kurrentdb', 'postgres'] as const);
  const sqlite = { kind: 'sqlite' } as const;
  if (kind === 'kurrentdb') {
    const cs = r.str('KURRENTDB_CONNECTION_STRING');
    if (!cs) return r.problem('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING (e.g. kurrentdb://localhost:2113?tls=false)', sqlite);
    return { kind: 'kurrentdb', connectionString: cs };
  }
  if (kind === 'postgres') {
    const url = r.str('POSTGRES_URL');
    if (!url) return r.problem('EVENT_STORE=postgres needs POSTGRES_URL (e.g. postgres://scitt@127.0.0.1:5432/scitt)', sqlite);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return r.problem('POSTGRES_URL is not a URL: expected postgres://user[:password]@host[:port]/database', sqlite);
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      return r.problem(`POSTGRES_URL has the scheme ${JSON.stringify(parsed.protocol)}: expected postgres:// or postgresql://`, sqlite);
    }
    const schema = r.str('POSTGRES_SCHEMA') ?? 'scitt';
    if (!/^[a-z_][a-z0-9_]{0,39}$/.test(schema)) return r.problem(`POSTGRES_SCHEMA=${JSON.stringify(schema)} is not valid: expected 1–40 characters of a–z 0–9 _, not starting with a digit`, sqlite);
    return { kind: 'postgres', connectionString: url, schema };
  }
  return sqlite;
}

function checkpointInterval(r: EnvReader): number {
  const ms = r.int('SQLITE_CHECKPOINT_MS', 500, 0, 60000);
  if (ms > 0 && ms < 10) return r.problem(`SQLITE_CHECKPOINT_MS=${ms} is not valid: expected 0 (off) or 10–60000 ms`, ms);
  return ms;
}
