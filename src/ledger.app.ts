/**
 * The composition root: opens the stores, loads the key and the policy, rebuilds the sequencer
 * from the event stream, records key and policy changes as events, then starts HTTP.
 * Tests create the same app in-process with a temporary data directory and port 0.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { encodeCoseKey } from '../libs/cose/src/index.js';
import type { EventStore } from '../libs/event-store/src/index.js';
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
import { verifyingBackend } from './entries/verify-placement.js';
import { PolicyRulesCheck } from './entries/policy-rules.check.js';
import { ContentCheck } from './entries/content.check.js';
import { ContentParsePool } from './entries/content-parse.pool.js';
import type { ServiceConfig } from './infrastructure/config.js';
import { openStores, type LedgerStores } from './infrastructure/stores.js';
import { loadPolicy } from './infrastructure/policy.loader.js';
import { CONFIG, EVENT_STORE, POLICY, PROCESSORS, SERVICE_KEY } from './infrastructure/tokens.js';
import { projectionsFeature } from './projections/projections.feature.js';
import { publicationStatusFeature } from './publisher/publication-status.feature.js';
import { startProcessorHost } from './processors/processor-host.js';
import type { ProcessorHost, ServiceFeature } from './processors/processor.js';
import { LogIndexStore } from './log/log-index.store.js';
import { Sequencer } from './log/sequencer.js';
import { ENTRY_SINK } from './log/entry-sink.js';
import { LogNode } from './log/log-node.js';
import { clusterParts } from './log/cluster.parts.js';
import { HANDOVER, NodeCredential, type HandoverSettings } from './log/node-credential.js';
import { HandoverController, handoverGate } from './entries/handover.controller.js';
import { checkpointSigner, loadOrCreateServiceKey } from './log/service-key.js';
import { explainDiskFull, probeWritable } from './infrastructure/disk-space.js';
import { installInclusionRoute } from './auditor/inclusion.route.js';

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

/** Starts the service on a configuration {@link loadConfig} validated (nothing is opened before). */
export async function createLedgerApp(config: ServiceConfig): Promise<LedgerApp> {
  const logSink = serviceLogger(config.logLevel, config.logFormat);
  Logger.overrideLogger(logSink);
  let stores: LedgerStores | undefined;
  try {
    // the policy and the authentication settings first: a bad one refuses before the data directory is touched
    const policy = loadPolicy(config.policyFile);
    const gate = createAccessGate(config, policy.policy);
    // a node of several: the node credential of the hand-over (src/log/node-credential.ts)
    const handover: HandoverSettings | undefined = config.node.secretFile ? { credential: NodeCredential.fromFile(config.node.secretFile), policyDigest: policy.digest } : undefined;
    stores = await openStores(config, 'service');
    return await openLedger(config, stores, policy, gate, logSink, handover);
  } catch (err) {
    await stores?.close().catch(() => undefined);
    throw explainDiskFull(err, config.dataDir);
  }
}

async function openLedger(
  config: ServiceConfig,
  stores: LedgerStores,
  { policy, digest, canonical }: ReturnType<typeof loadPolicy>,
  gate: ReturnType<typeof createAccessGate>,
  logSink: ReturnType<typeof serviceLogger>,
  handover: HandoverSettings | undefined,
): Promise<LedgerApp> {
  const metrics = new ServiceMetrics();
  const logger = new Logger('ledger');
  const { logId, store, index } = stores;
  const key = await loadOrCreateServiceKey({ dataDir: config.dataDir, keyFile: config.serviceKeyFile, alg: config.serviceKeyAlg });
  const newSequencer = (): Sequencer =>
    new Sequencer({
      store: metrics.instrumentStore(store),
      index,
      signer: checkpointSigner(key, config.issuer, logId),
      logId,
      ...config.sequencer,
      // Readiness comes back after a failure only when the data directory takes writes again.
      probe: () => probeWritable(config.dataDir, config.minFreeDiskBytes),
      onReleased: metrics.released,
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
  const features: ServiceFeature[] = [];
  // The internal hand-over endpoint exists only on a node of several (a single node answers 404).
  if (handover) features.push({ providers: [{ provide: HANDOVER, useValue: handover }], controllers: [HandoverController] });
  if (config.node.testLeaseLossNoticeDelayMs > 0) logger.warn(`TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS=${config.node.testLeaseLossNoticeDelayMs}: this node notices a lost sequencer lease late — a test knob, never for a deployment`);
  let processors: ProcessorHost | undefined;
  // With several nodes only the leader publishes (Kafka, OCI referrers): the processors follow the lease.
  const onLeading = (leading: boolean): void => {
    void processors?.setLeading(leading).catch((err: unknown) => logger.error(`couldn't ${leading ? 'start' : 'stop'} the publishers: ${(err as Error).message}`));
  };
  // One node (the default), or one of several on PostgreSQL with the sequencer lease: src/log/cluster.parts.ts.
  const sequencer: LogNode = clusterParts(config, { store, index, logId, newSequencer, onLead, onLeading, handover });
  let app: NestFastifyApplication | undefined;
  // One shutdown, in dependency order, for a normal stop and for a start that failed half-way.
  const shutdown = async (): Promise<void> => {
    await app?.close(); // stops accepting; in-flight requests finish (they wait on the sequencer)
    await sequencer.drain();
    await processors?.stop();
    for (const f of features) await f.close?.();
    await stores.close(); // the lock last
  };

  metrics.watchSequencer(sequencer);
  let url: string;
  let routes: RouteInfo[] = [];
  let inflight: InflightBudget;
  try {
    await sequencer.start();
    // Processors start after the sequencer verified the log; each resumes from its own checkpoint.
    // The processors (projection writer, publishers) run in their own thread by default
    // (processors/processor-host.ts); this thread only answers queries from the projections' file.
    // A single node always publishes; one of several only while it leads (docs/operations.md, "Several nodes").
    const leads = (): boolean => config.node.mode === 'single' || sequencer.role === 'leader';
    const leadingAtStart = leads();
    processors = await startProcessorHost(config, stores, { metrics: metrics.registry, leading: leadingAtStart });
    if (leads() !== leadingAtStart) onLeading(leads()); // the lease changed hands while they started
    const host = processors;
    features.push(projectionsFeature(config, index)); // reads the file the processors' projection writer opened
    features.push(publicationStatusFeature(config, (registry) => host.pauseOf(registry)));
    features.push({
      providers: [{ provide: ServiceMetrics, useValue: metrics }, { provide: PROCESSOR_METRICS, useValue: () => host.metrics() }],
      controllers: [MetricsController, OpenApiController],
    });

    const contentParser = new ContentParsePool(); // claim contents: large payloads parse off the HTTP thread (docs/content.md#cost)
    features.push({ close: () => contentParser.close() });
    const rulesCheck = new PolicyRulesCheck(policy); // CEL rules: large payloads evaluated off the HTTP thread (docs/policy.md#cel-rules)
    features.push({ close: () => rulesCheck.close() });
    const verifying = verifyingBackend(config.verifyPlacement); // statement signatures: on this thread or the pool (verify-placement.ts)
    features.push({ close: async () => verifying.close() });
    const checker = new StatementChecker(policy, new IssuerKeys(policy), index, new ContentCheck(policy, contentParser), verifying.backend);
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
        { provide: PROCESSORS, useValue: processors },
        { provide: PolicyRulesCheck, useValue: rulesCheck },
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
    if (handover) handoverGate(fastify, handover.credential, logger);
    fastify.addHook('onRequest', gate.hook);
    installInclusionRoute(fastify, index); // a hot read as a raw route, after the hooks (src/auditor/inclusion.route.ts)
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
