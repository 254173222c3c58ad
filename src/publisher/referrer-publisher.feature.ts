/**
 * The OCI referrer publisher (docs/oci.md): publishes each claim about a collection (CWT `sub`
 * = `[oci://]host[:port]/repo@sha256:…`) as a receipt artifact referring to that collection — to
 * the collection's registry when it is configured, else to the embedded OCI layout.
 *
 * Two halves, so that a failing registry never holds the subscription back:
 * - a checkpointed processor (`runProcessor`, EntryRegistered events of `log-<logId>`) records one
 *   row per claim in the work list, then its checkpoint advances. One node: `data/publisher.sqlite`
 *   and the node's checkpoint; several nodes: both in the shared PostgreSQL schema
 *   (publication.pg-store.ts), and the publisher runs only on the leader (processors/run-processors.ts);
 * - a {@link PublicationWorker} works that table (per-repository lanes, backoff, registry pauses).
 *
 * Commit points of the processor (the worker's are in publication.worker.ts):
 * 1. crash before the rows' transaction commits — nothing recorded, the checkpoint did not move:
 *    the batch is delivered again.
 * 2. rows committed, checkpoint not saved — the batch is delivered again; INSERT OR IGNORE leaves
 *    the existing rows (and their state) alone.
 * 3. checkpoint saved — the rows are durable; the worker finds them on its next tick or at startup.
 */
import { Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { runProcessor, type RecordedEvent } from '../../libs/event-store/src/index.js';
import { REVOCATION_CONTENT_TYPE, decodeRecordedEvent, logStream, type EntryRegistered } from '../../libs/ledger/src/index.js';
import {
  ARTIFACT_TYPE_SCITT_REVOCATION,
  MEDIA_TYPE_SCITT_RECEIPT,
  isCollectionSubject,
  normalizeRegistryHost,
  parseCollectionReference,
} from '../../libs/oci/src/index.js';
import type { Registry } from 'prom-client';
import type { ServiceConfig } from '../infrastructure/config.js';
import { publisherCheckpointsOf, type LedgerStores } from '../infrastructure/stores.js';
import type { Processor, ProcessorStatus } from '../processors/processor.js';
import { LogThrottle } from '../common/log-throttle.js';
import { PublicationAttempts, subjectNotInLayout } from './publication.attempt.js';
import { type NewPublication } from './publication.store.js';
import { openPublicationBook } from './publication.pg-store.js';
import { PublicationWorker, type RegistryPause } from './publication.worker.js';
import type { PublisherConfig } from './publisher.config.js';
import { describeError } from './publisher.errors.js';
import { displayPath } from '../common/display-path.js';

/** The processor's checkpoint name. */
export const PUBLISHER_PROCESSOR = 'oci-referrer-publisher';

/**
 * The publication to record for a registered entry, or undefined when its subject is not a
 * collection. Revocations get the revocation artifact type.
 * @example publicationOf(event, config, Date.now())?.targetKind // 'registry' | 'oci-layout'
 */
export function publicationOf(e: EntryRegistered, config: Pick<PublisherConfig, 'registries'>, now: number): NewPublication | undefined {
  if (!isCollectionSubject(e.sub)) return undefined;
  const ref = parseCollectionReference(e.sub);
  const registry = normalizeRegistryHost(ref.registry);
  return {
    entryId: e.entryId,
    logIndex: e.index,
    subject: e.sub,
    registry,
    repository: ref.repository,
    subjectDigest: ref.digest,
    targetKind: config.registries.has(registry) ? 'registry' : 'oci-layout',
    artifactType: e.contentType === REVOCATION_CONTENT_TYPE ? ARTIFACT_TYPE_SCITT_REVOCATION : MEDIA_TYPE_SCITT_RECEIPT,
    createdAt: now,
  };
}

/** The running publisher: its processor, and the registry pauses the status endpoint shows. */
export interface ReferrerPublisher {
  readonly processor: Processor;
  pauses(): RegistryPause[];
  /** called on shutdown after the processor stopped */
  close(): Promise<void>;
}

/**
 * Starts the publisher, or answers undefined with OCI_PUBLISHER=off. It runs where the other
 * processors run (their own thread by default, see processors/processor-host.ts); the HTTP
 * status endpoint reads the same `publisher.sqlite` (publication-status.feature.ts).
 */
export function startReferrerPublisher(
  service: ServiceConfig,
  stores: LedgerStores,
  o: { readonly metrics?: Registry; readonly onPausesChanged?: (pauses: RegistryPause[]) => void } = {},
): ReferrerPublisher | undefined {
  const config = service.publisher;
  if (!config.enabled) return undefined;

  const logger = new Logger('oci-publisher');
  // A registry outage or a burst of unresolvable subjects fails thousands of attempts alike: log
  // the first of each kind per repository, then one summary line per minute.
  const failures = new LogThrottle((line) => logger.warn(line), 60_000);
  const store = openPublicationBook(service, 'publisher');
  // a node that leads again (several nodes) starts the publisher again: the counter is registered once
  const attemptsTotal = o.metrics
    ? ((o.metrics.getSingleMetric('scitt_publisher_attempts_total') as Counter<'outcome' | 'target'> | undefined) ??
      new Counter({ name: 'scitt_publisher_attempts_total', help: 'attempts to publish a receipt as an OCI referrer, by outcome (published, failed) and target', labelNames: ['outcome', 'target'] as const, registers: [o.metrics] }))
    : undefined;
  const heldTotal = o.metrics
    ? ((o.metrics.getSingleMetric('scitt_publisher_held_total') as Counter<'target'> | undefined) ??
      new Counter({ name: 'scitt_publisher_held_total', help: 'receipts recorded waiting for their subject (not in the OCI layout, the only place to look) without an attempt, by target', labelNames: ['target'] as const, registers: [o.metrics] }))
    : undefined;
  const targetOf = (rec: { targetKind: string; registry: string }): string => (rec.targetKind === 'registry' ? rec.registry : 'oci-layout');
  const stopper = new AbortController();
  const attempts = new PublicationAttempts({ config, index: stores.index, service: service.issuer, signal: stopper.signal });
  const worker = new PublicationWorker({
    store,
    attempts,
    concurrency: config.concurrency,
    repositoryConcurrency: config.repositoryConcurrency,
    retry: config.retry,
    arrivals: () => attempts.layoutArrivals(),
    onPausesChanged: o.onPausesChanged,
    onPublished: (rec) => attemptsTotal?.inc({ outcome: 'published', target: targetOf(rec) }),
    onFailure: (rec, err) => {
      attemptsTotal?.inc({ outcome: 'failed', target: targetOf(rec) });
      const { code, message } = describeError(err);
      failures.report(
        `${rec.registry}/${rec.repository} ${code}`,
        `couldn't publish the receipt of entry ${rec.entryId} to ${rec.registry}/${rec.repository} (attempt ${rec.attempts + 1}): ${message}`,
        (n) => `couldn't publish ${n} more receipts to ${rec.registry}/${rec.repository} with ${code} in the last minute (each is retried; GET /entries/{id}/publication shows one)`,
      );
    },
  });
  const stream = logStream(stores.logId);
  let lastError: string | undefined;
  const handle = runProcessor({
    store: stores.store,
    checkpoints: publisherCheckpointsOf(stores),
    name: PUBLISHER_PROCESSOR,
    filter: { streamPrefixes: [stream], types: ['EntryRegistered'] },
    // In the processors' own thread, batches like the projections' (projections.feature.ts): each
    // batch costs two fsyncs (the rows, then the checkpoint), so at 1,000 registrations/s the
    // default 100 events / 5 ms made them per handful of events. Rows wait up to PROCESSOR_LINGER_MS
    // longer while claims keep coming (none after a quiet spell).
    ...(service.processors.thread === 'main' ? {} : { batchSize: 256, lingerMs: service.processors.lingerMs }),
    handle: async (events: RecordedEvent[]) => {
      const now = Date.now();
      const rows: NewPublication[] = [];
      for (const ev of events) {
        if (ev.stream !== stream || ev.type !== 'EntryRegistered') continue; // a prefix also matches log-<logId>x
        const row = publicationOf(decodeRecordedEvent(ev) as EntryRegistered, config, now);
        if (row) rows.push(worker.holdOf(row)); // held with its subject when its artifact was not found lately
      }
      // A subject the layout does not hold, where the layout is the only place to look, waits
      // for it without an attempt (released when it arrives; measured: an attempt failing on it
      // cost ≈ 400 µs of this thread per claim at 1,000 registrations/s, a claim here ≈ 2 µs).
      const missing = await attempts.missingSubjects(rows);
      missing.forEach((m, i) => {
        if (!m || rows[i]!.held) return;
        const row = rows[i]!;
        const { code, message } = subjectNotInLayout(row); // no Error built per claim
        rows[i] = { ...row, held: { until: now + config.retry.maxMs, error: message, code } };
        heldTotal?.inc({ target: targetOf(row) });
        failures.report(
          `${row.registry}/${row.repository} held`,
          `the receipt of entry ${row.entryId} waits for its subject: ${message}; it is published when the subject is copied into the layout`,
          (n) => `${n} more receipts to ${row.registry}/${row.repository} wait for their subject in the OCI layout (last minute; GET /entries/{id}/publication shows one)`,
        );
      });
      if (rows.length > 0) {
        await store.insert(rows); // commit point 2: durable before the checkpoint moves
        worker.kick();
      }
      lastError = undefined;
    },
    onError: (err, info) => {
      lastError = describeError(err).message;
      logger.error(`publisher processor failed (attempt ${info.attempt}, retry in ${info.delayMs} ms): ${lastError}`);
    },
  });
  worker.kick(); // rows left from before a restart (or by the previous leader)

  let tally: { at: number; counts: ReturnType<typeof store.counts>; backlog: ReturnType<typeof store.backlogByTarget> } | undefined;
  const processor: Processor = {
    name: PUBLISHER_PROCESSOR,
    async status(): Promise<ProcessorStatus> {
      // both group the whole work list: counted at most once a second for every asker (health
      // checks, metric scrapes), not once per call — a work list of 10⁶ rows costs ≈ 0.1 s a count
      const now = Date.now();
      if (!tally || now - tally.at >= 1000) tally = { at: now, counts: store.counts(), backlog: store.backlogByTarget() };
      const [counts, backlog] = await Promise.all([tally.counts, tally.backlog]);
      return {
        name: PUBLISHER_PROCESSOR,
        running: handle.running,
        position: String(handle.position ?? 0n),
        lag: Number(await handle.lag().catch(() => -1n)),
        ...(lastError !== undefined ? { lastError } : {}),
        failures: handle.failures,
        pending: counts.pending,
        failedRetrying: counts.failedRetrying,
        published: counts.published,
        backlog,
        inFlight: worker.running,
        registries: [...config.registries.keys()],
        layoutDir: displayPath(config.layoutDir, service.dataDir),
        pausedRegistries: worker.pauses().map((p) => ({ registry: p.registry, until: new Date(p.until).toISOString(), error: p.error })),
      };
    },
    async stop() {
      await handle.stop();
      const stopped = worker.stop(); // no new attempts from here on
      stopper.abort(); // ends requests in flight; their rows stay due and are retried after a restart
      await stopped;
      failures.flush();
    },
  };
  return { processor, pauses: () => worker.pauses(), close: async () => store.close() };
}
