/**
 * The composition root: opens the stores, loads the key and the policy, rebuilds the sequencer
 * from the event stream, records key and policy changes as events, then starts HTTP.
 * Tests create the same app in-process with a temporary data directory and port 0.
 */
import 'reflect-metadata';
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { encodeCoseKey } from '../libs/cose/src/index.js';
import {
  openSqliteCheckpointStore,
  startWalCheckpointer,
  type CheckpointStore,
  type EventStore,
  type WalCheckpointer,
} from '../libs/event-store/src/index.js';
import type { LedgerEvent } from '../libs/ledger/src/index.js';
import { AppModule } from './app.module.js';
import { authProviders, createAccessGate } from './auth/auth.providers.js';
import { edgeServerOptions, installHttpEdge } from './common/http-edge.js';
import type { InflightBudget } from './common/inflight-budget.js';
import { ProblemFilter } from './common/problem.filter.js';
import { genReqId } from './common/request-context.js';
import { serviceLogger } from './common/service.logger.js';
import { installHttpHooks, type RouteInfo } from './metrics/http.hooks.js';
import { MetricsController, PROCESSOR_METRICS } from './metrics/metrics.controller.js';
import { ServiceMetrics } from './metrics/service.metrics.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { IssuerKeys } from './entries/issuer-keys.js';
import { StatementChecker } from './entries/statement-checker.js';
import type { ServiceConfig } from './infrastructure/config.js';
import { openConfiguredEventStore } from './infrastructure/event-store.factory.js';
import { loadPolicy } from './infrastructure/policy.loader.js';
import { CONFIG, EVENT_STORE, FEATURES, POLICY, SERVICE_KEY } from './infrastructure/tokens.js';
import { projectionsFeature } from './projections/projections.feature.js';
import { publicationStatusFeature } from './publisher/publication-status.feature.js';
import { startProcessorHost, type ProcessorHost } from './processors/processor-host.js';
import type { ProcessorDeps, ServiceFeature } from './processors/service-processor.js';
import { LogIndexStore } from './log/log-index.store.js';
import { Sequencer } from './log/sequencer.js';
import { ENTRY_SINK } from './log/entry-sink.js';
import { LogNode } from './log/log-node.js';
import { clusterParts } from './log/cluster.parts.js';
import { checkpointSigner, loadOrCreateServiceKey, writeDurably } from './log/service-key.js';
import { lockDataDir, type DataDirLock } from './infrastructure/data-dir.lock.js';
import { checkFreeSpace, explainDiskFull, probeWritable } from './infrastructure/disk-space.js';

export interface LedgerApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly logId: string;
  /** this node's part in the log: its sequencer (single node, leader) or its follower (docs/operations.md) */
  readonly sequencer: LogNode;
  readonly index: LogIndexStore;
  readonly store: EventStore;
  /** every route the HTTP server answers (method, route template) */
  readonly routes: readonly RouteInfo[];
  /** statement bytes of registrations in progress (MAX_INFLIGHT_BYTES bounds it) */
  readonly inflight: InflightBudget;
  close(): Promise<void>;
}

/**
 * With the background WAL checkpointer on (SQLITE_CHECKPOINT_MS > 0), the writers' own automatic
 * checkpoints only catch a stopped checkpointer: at 16,384 pages (64 MiB of WAL) instead of 1,000.
 */
const backstopPages = (config: ServiceConfig): number | undefined => (config.sqliteCheckpointMs > 0 ? 16384 : undefined);

/** The log id: configured, or generated once and kept in the data directory. */
function logIdOf(config: ServiceConfig): string {
  if (config.logId) return config.logId;
  const path = join(config.dataDir, 'log-id');
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new Error(`couldn't read the log id: ${path} holds ${JSON.stringify(id.slice(0, 80))}, not a log id`);
    return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomBytes(16).toString('hex');
  writeDurably(path, id + '\n', 0o644);
  return id;
}

/** `env` is what feature settings (Kafka, registries) are read from: the same variables as `config`'s. */
export async function createLedgerApp(config: ServiceConfig, env: Readonly<Record<string, string | undefined>> = process.env): Promise<LedgerApp> {
  const logSink = serviceLogger(config.logLevel, env);
  Logger.overrideLogger(logSink);
  let lock: DataDirLock | undefined;
  try {
    mkdirSync(config.dataDir, { recursive: true });
    checkFreeSpace(config.dataDir, config.minFreeDiskBytes);
    lock = lockDataDir(config.dataDir);
    return await openLedger(config, env, lock, logSink);
  } catch (err) {
    lock?.release();
    throw explainDiskFull(err, config.dataDir);
  }
}

async function openLedger(config: ServiceConfig, env: Readonly<Record<string, string | undefined>>, lock: DataDirLock, logSink: ReturnType<typeof serviceLogger>): Promise<LedgerApp> {
  const metrics = new ServiceMetrics();
  const logger = new Logger('ledger');
  const logId = logIdOf(config);
  const { policy, digest, canonical } = loadPolicy(config.policyFile);
  const gate = createAccessGate(config, policy);
  const key = await loadOrCreateServiceKey({ dataDir: config.dataDir, keyFile: config.serviceKeyFile, alg: config.serviceKeyAlg });
  const store = await openConfiguredEventStore(config, { worker: process.env.SQLITE_WORKER !== 'false', autoCheckpointPages: backstopPages(config) });
  const index = new LogIndexStore(join(config.dataDir, 'log-index.sqlite'), { autoCheckpointPages: backstopPages(config) });
  const newSequencer = (): Sequencer =>
    new Sequencer({
      store: metrics.instrumentStore(store),
      index,
      signer: checkpointSigner(key, config.issuer, logId),
      logId,
      ...config.sequencer,
      // Readiness comes back after a failure only when the data directory takes writes again.
      probe: () => probeWritable(config.dataDir, config.minFreeDiskBytes),
    });
  // Service events (key, policy) are appended by whoever leads, once it verified the log.
  const onLead = async (sequencer: Sequencer): Promise<void> => {
    const now = new Date().toISOString();
    const serviceEvents: LedgerEvent[] = [];
    const kidHex = Buffer.from(key.kid).toString('hex');
    if (!index.serviceKeys().some((k) => k.kid === kidHex)) {
      serviceEvents.push({ type: 'ServiceKeyAdded', kid: key.kid, coseKey: encodeCoseKey(key.publicKey), addedAt: now });
    }
    if (index.policyDigest() !== digest) serviceEvents.push({ type: 'PolicyChanged', digest, policy: canonical, changedAt: now });
    await sequencer.appendServiceEvents(serviceEvents);
  };
  // One node (the default), or one of several on PostgreSQL with the sequencer lease: src/log/cluster.parts.ts.
  const sequencer: LogNode = clusterParts(config, { store, index, logId, newSequencer, onLead });
  const features: ServiceFeature[] = [];
  let checkpoints: CheckpointStore | undefined;
  let processors: ProcessorHost | undefined;
  let walCheckpointer: WalCheckpointer | undefined;
  let app: NestFastifyApplication | undefined;
  // One shutdown, in dependency order, for a normal stop and for a start that failed half-way.
  const shutdown = async (): Promise<void> => {
    await app?.close(); // stops accepting; in-flight requests finish (they wait on the sequencer)
    await sequencer.drain();
    await processors?.stop();
    for (const f of features) {
      await Promise.all(f.processors.map((p) => p.stop()));
      await f.close?.();
    }
    await checkpoints?.close();
    index.close();
    await store.close();
    await walCheckpointer?.close();
    lock.release();
  };

  metrics.watchSequencer(sequencer);
  let url: string;
  let routes: RouteInfo[] = [];
  let inflight: InflightBudget;
  try {
    await sequencer.start();
    if (config.sqliteCheckpointMs > 0) {
      const paths = [join(config.dataDir, 'log-index.sqlite'), ...(config.eventStore.kind === 'sqlite' ? [join(config.dataDir, 'events.sqlite')] : [])];
      walCheckpointer = await startWalCheckpointer({
        paths,
        intervalMs: config.sqliteCheckpointMs,
        onError: (err) => logger.warn(`${err.message} (SQLite's automatic checkpoints still bound the WAL)`),
      });
    }
    // Processors start after the sequencer verified the log; each resumes from its own checkpoint.
    // The processors (projection writer, publishers) run in their own thread by default
    // (processors/processor-host.ts); this thread only answers queries from the projections' file.
    checkpoints = openSqliteCheckpointStore(join(config.dataDir, 'checkpoints.sqlite'));
    const deps: ProcessorDeps = { config, env, store, checkpoints, index, logId, metrics: metrics.registry };
    processors = await startProcessorHost(deps);
    const host = processors;
    features.push({ get processors() { return host.processors; } });
    features.push(projectionsFeature(deps)); // reads the file the processors' projection writer opened
    features.push(publicationStatusFeature(deps, (registry) => host.pauseOf(registry)));
    features.push({
      processors: [],
      providers: [{ provide: ServiceMetrics, useValue: metrics }, { provide: PROCESSOR_METRICS, useValue: () => host.metrics() }],
      controllers: [MetricsController, OpenApiController],
    });

    const checker = new StatementChecker(policy, new IssuerKeys(policy), index);
    const adapter = new FastifyAdapter({ genReqId, bodyLimit: config.maxBodyBytes, ...edgeServerOptions(config) });
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.with([
        { provide: CONFIG, useValue: config },
        { provide: POLICY, useValue: policy },
        { provide: SERVICE_KEY, useValue: key },
        { provide: EVENT_STORE, useValue: store },
        { provide: LogIndexStore, useValue: index },
        { provide: LogNode, useValue: sequencer },
        { provide: ENTRY_SINK, useValue: sequencer },
        { provide: StatementChecker, useValue: checker },
        { provide: FEATURES, useValue: features },
        ...authProviders(gate),
        ...features.flatMap((f) => f.providers ?? []),
      ], features.flatMap((f) => f.controllers ?? [])),
      adapter,
      { logger: logSink, bodyParser: false },
    );
    const fastify = adapter.getInstance();
    routes = installHttpHooks(fastify, metrics, logSink); // request id and metrics first: every refusal below carries the id and is counted
    // Cheap refusals first (closing, URL length, rate limits, in-flight bytes: src/common/http-edge.ts), then who may register / read (src/auth); both before the body is read.
    inflight = installHttpEdge(fastify, config).inflight;
    fastify.addHook('onRequest', gate.hook);
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('application/cose', { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_req, body, done) => done(null, body));
    fastify.addContentTypeParser('*', (req, _payload, done) => {
      const err = Object.assign(new Error(`unsupported media type ${JSON.stringify(req.headers['content-type'] ?? '')}: send application/cose`), {
        statusCode: 415,
        code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      });
      done(err, undefined);
    });
    // Fastify's own errors (413 body too large, 415 media type) reach ProblemFilter through Nest's error handler.
    app.useGlobalFilters(new ProblemFilter());
    await app.listen(config.port, config.host);
    const address = fastify.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  } catch (err) {
    // A start that failed half-way leaves no processor running and no file open.
    await shutdown().catch((e) => logger.error(`couldn't clean up after a failed start: ${(e as Error).message}`));
    throw err;
  }
  logger.log(`scitt-ledger listening on ${url} (log ${logId}, data ${config.dataDir}, store ${config.eventStore.kind})`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => (closing ??= shutdown());
  const started = app;
  return { app: started, url, logId, sequencer, index, store, routes, inflight, close };
}
