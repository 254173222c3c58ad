/**
 * The Kafka publisher: a checkpointed subscription to the event store (`runProcessor`) that maps
 * the log's domain events to CloudEvents and produces them to one topic, keyed by log id.
 *
 * Delivery is at-least-once, in log order:
 * - one batch of stored events → its messages, sent in order (chunks of at most `maxRequestBytes`,
 *   one request in flight) with `acks: all` by an idempotent producer;
 * - the processor saves its checkpoint only after `handle` resolved, i.e. after the broker
 *   acknowledged every message of the batch.
 *
 * Commit points (what a crash leaves and how a restart recovers):
 * 1. mapping or sending — nothing acknowledged or only a prefix: the checkpoint is unchanged, the
 *    batch is mapped and sent again (the acknowledged prefix twice, with the same `ce_id`s).
 * 2. all acknowledged, checkpoint not saved — the whole batch is sent again: duplicates with the
 *    same `ce_id`s, which consumers drop.
 * 3. checkpoint saved — the next start continues after the batch.
 * A failed send (broker down, timeouts) discards the producer and retries the batch with backoff,
 * forever; `status()` shows the error and the lag meanwhile. The write path never waits for Kafka.
 */
import { Kafka, Partitioners, type CompressionTypes, type KafkaConfig, type Producer, type ProducerConfig } from 'kafkajs';
import type { CheckpointStore } from '../../event-store/src/checkpoint.store.js';
import type { EventStore, RecordedEvent } from '../../event-store/src/event-store.port.js';
import { runProcessor, type ProcessorHandle } from '../../event-store/src/run-processor.js';
import { logStream } from '../../ledger/src/events.js';
import { toCloudEventMessage, toIntegrationEvents, type CloudEventMessage, type MappingOptions } from './cloud-event.mapper.js';
import { kafkaClientConfig, type KafkaConnectionOptions, type KafkaLogger } from './kafka.client.js';
import { KafkaConfigError, KafkaPublishError } from './kafka.errors.js';

export interface KafkaPublisherOptions extends KafkaConnectionOptions {
  readonly topic: string;
  /** The log whose stream (`log-<logId>`) is published; also the record key. */
  readonly logId: string;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  /** Checkpoint name (keep it stable); default `kafka:<topic>:<logId>`. */
  readonly name?: string;
  /** CloudEvents source; default `/logs/<logId>`. */
  readonly source?: string;
  /** See {@link MappingOptions.checkpointHref}. */
  readonly checkpointHref?: string;
  /** Stored events per batch (default 500). */
  readonly batchSize?: number;
  /** Largest produce request in value+header bytes before a batch is split (default 512 KiB, under the broker's 1 MiB default). */
  readonly maxRequestBytes?: number;
  readonly compression?: CompressionTypes;
  /** Backoff of failed batches (default 200 ms doubling to 5 s). */
  readonly retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How often the lag is re-measured (default 1000 ms). */
  readonly lagIntervalMs?: number;
  /** kafkajs log lines (WARN and above); silent when absent. */
  readonly logger?: KafkaLogger;
  /** Told about each failed attempt (also kept in `status().lastError`). */
  readonly onError?: (err: unknown) => void;
  /** Extra kafkajs client / producer settings (override the defaults). */
  readonly kafka?: Partial<KafkaConfig>;
  readonly producer?: Partial<ProducerConfig>;
  /** Clock for `lastError.at` (default `new Date()`). */
  readonly now?: () => Date;
  /**
   * Asked before each batch is sent; a rejection fails the batch before anything is sent (it is
   * retried with backoff). Several nodes: "does this node still lead?" (src/processors/leader-guard.ts).
   */
  readonly guard?: () => Promise<void>;
}

/** Health detail of the publisher. */
export interface KafkaPublisherStatus {
  readonly running: boolean;
  readonly topic: string;
  /** The checkpointed store position (undefined before the first checkpoint). */
  readonly position: bigint | undefined;
  /** Log events (of `log-<logId>`) not yet acknowledged by the broker; undefined until first measured. */
  readonly lag: number | undefined;
  /** Messages acknowledged by the broker since start (re-sent ones count again). */
  readonly published: number;
  /** Consecutive failed attempts of the current batch (0 when healthy). */
  readonly failures: number;
  readonly lastError?: { readonly message: string; readonly code?: string; readonly at: string };
  /** Revocations whose claim-revoked events could not be built (their entry was still published). */
  readonly skipped: number;
  readonly lastSkipped?: string;
}

export interface KafkaPublisher {
  /** Starts publishing in the background (returns at once; never waits for the broker). Once only. */
  start(): void;
  /** Stops: abandons the batch in flight (it is sent again after the next start), disconnects. */
  stop(): Promise<void>;
  status(): KafkaPublisherStatus;
}

const errorCode = (err: unknown): string | undefined => {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
};

/** Splits messages into consecutive chunks of at most `maxBytes` (one oversize message makes its own chunk). */
function chunks(messages: CloudEventMessage[], maxBytes: number): CloudEventMessage[][] {
  const out: CloudEventMessage[][] = [];
  let cur: CloudEventMessage[] = [];
  let size = 0;
  for (const m of messages) {
    let n = m.value.length + m.key.length;
    for (const [k, v] of Object.entries(m.headers)) n += k.length + v.length;
    if (cur.length > 0 && size + n > maxBytes) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(m);
    size += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Creates the publisher (not started). Nothing connects before `start()`.
 *
 * @example
 * ```ts
 * const settings = parseKafkaConfig(process.env);
 * if (settings) {
 *   const publisher = createKafkaPublisher({ ...kafkaConnectionOptions(settings), topic: settings.topic,
 *     batchSize: settings.batchSize, logId, store, checkpoints });
 *   publisher.start();
 *   // health: publisher.status() → { running, position, lag, lastError … }
 *   // shutdown: await publisher.stop();
 * }
 * ```
 */
export function createKafkaPublisher(opts: KafkaPublisherOptions): KafkaPublisher {
  const { topic, logId, store, checkpoints } = opts;
  if (!opts.brokers || opts.brokers.length === 0) throw new KafkaConfigError("couldn't create the Kafka publisher: no brokers (leave it disabled instead)");
  if (!logId) throw new KafkaConfigError("couldn't create the Kafka publisher: logId is empty");
  const name = opts.name ?? `kafka:${topic}:${logId}`;
  const stream = logStream(logId);
  const maxRequestBytes = opts.maxRequestBytes ?? 512 * 1024;
  const now = opts.now ?? (() => new Date());
  const mapping: MappingOptions = { logId, source: opts.source, checkpointHref: opts.checkpointHref };
  const kafka = new Kafka(kafkaClientConfig(opts, opts.logger, opts.kafka));

  const stopper = new AbortController();
  let processor: ProcessorHandle | undefined;
  let producer: Producer | undefined;
  let lagTimer: ReturnType<typeof setInterval> | undefined;
  const st = {
    published: 0,
    skipped: 0,
    lastSkipped: undefined as string | undefined,
    lastError: undefined as KafkaPublisherStatus['lastError'],
    /** revision of the last log event the broker acknowledged (-1: none); undefined until calibrated */
    ackedRevision: undefined as number | undefined,
    headRevision: undefined as number | undefined,
  };

  /** Rejects as soon as the publisher is stopped; the abandoned operation's own outcome is ignored. */
  const abortable = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new KafkaPublishError("couldn't publish: the publisher was stopped"));
      if (stopper.signal.aborted) return onAbort();
      stopper.signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => stopper.signal.removeEventListener('abort', onAbort));
    });
  };

  const dropProducer = async (): Promise<void> => {
    const p = producer;
    producer = undefined;
    if (p) await Promise.race([p.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
  };

  const connectedProducer = async (): Promise<Producer> => {
    if (producer) return producer;
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded on purpose: a send must fail (and show in status) rather than retry forever; the
      // processor retries the batch. Re-sent messages keep their ce_id (at-least-once).
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
      ...opts.producer,
    });
    try {
      await abortable(p.connect());
    } catch (err) {
      void p.disconnect().catch(() => undefined);
      throw err;
    }
    producer = p;
    return p;
  };

  const handle = async (events: RecordedEvent[]): Promise<void> => {
    await opts.guard?.();
    const messages: CloudEventMessage[] = [];
    const skipped: string[] = [];
    let lastRevision: number | undefined;
    for (const e of events) {
      const r = toIntegrationEvents(e, mapping);
      for (const ev of r.events) messages.push(toCloudEventMessage(ev, logId));
      skipped.push(...r.skipped);
      if (e.stream === stream) lastRevision = e.revision;
    }
    for (const chunk of chunks(messages, maxRequestBytes)) {
      try {
        const p = await connectedProducer();
        await abortable(p.send({ topic, acks: -1, messages: chunk, ...(opts.compression !== undefined ? { compression: opts.compression } : {}) }));
      } catch (cause) {
        if (!stopper.signal.aborted) await dropProducer();
        throw new KafkaPublishError(`couldn't publish ${chunk.length} events to ${topic}: ${(cause as Error).message}`, { cause });
      }
      st.published += chunk.length;
    }
    // every message of the batch is acknowledged: the processor may save the checkpoint now
    st.skipped += skipped.length;
    if (skipped.length > 0) st.lastSkipped = skipped[skipped.length - 1];
    if (lastRevision !== undefined && st.ackedRevision !== undefined) st.ackedRevision = Math.max(st.ackedRevision, lastRevision);
    st.lastError = undefined;
  };

  /** Re-reads the head of the log stream; the first time, counts the unpublished events after the checkpoint. */
  const measureLag = async (): Promise<void> => {
    let head: RecordedEvent | undefined;
    for await (const e of store.readStream(stream, { direction: 'backward', from: 'end', maxCount: 1 })) head = e;
    st.headRevision = head?.revision ?? -1;
    if (st.ackedRevision === undefined) {
      const after = processor?.position ?? (await checkpoints.load(name));
      let behind = 0;
      if (after === undefined) behind = st.headRevision + 1;
      else for await (const e of store.readStream(stream, { direction: 'backward', from: 'end' })) {
        if (e.position <= after) break;
        behind++;
      }
      st.ackedRevision ??= st.headRevision - behind;
    }
  };

  return {
    start() {
      if (processor || stopper.signal.aborted) throw new KafkaPublishError("couldn't start the Kafka publisher: it was started before");
      processor = runProcessor({
        store,
        checkpoints,
        name,
        // every event of the log passes (also the unpublished kinds), so the acknowledged revision
        // — and the lag — move past them
        filter: { streamPrefixes: [stream] },
        handle,
        batchSize: opts.batchSize ?? 500,
        signal: stopper.signal,
        retry: { initialDelayMs: opts.retry?.initialDelayMs ?? 200, maxDelayMs: opts.retry?.maxDelayMs ?? 5_000 },
        onError: (err) => {
          if (stopper.signal.aborted) return;
          st.lastError = { message: err instanceof Error ? err.message : String(err), code: errorCode(err), at: now().toISOString() };
          opts.onError?.(err);
        },
      });
      let measuring = false; // one measurement at a time (the first one may read a long backlog)
      const tick = (): void => {
        if (measuring) return;
        measuring = true;
        void measureLag()
          .catch(() => undefined) // the store is closing or briefly unavailable: the next tick retries
          .finally(() => (measuring = false));
      };
      tick();
      lagTimer = setInterval(tick, opts.lagIntervalMs ?? 1_000);
      lagTimer.unref();
    },
    async stop() {
      stopper.abort();
      if (lagTimer) clearInterval(lagTimer);
      await processor?.stop();
      await dropProducer();
    },
    status() {
      const lag = st.headRevision !== undefined && st.ackedRevision !== undefined ? Math.max(0, st.headRevision - st.ackedRevision) : undefined;
      return {
        running: processor?.running ?? false,
        topic,
        position: processor?.position,
        lag,
        published: st.published,
        failures: processor?.failures ?? 0,
        ...(st.lastError ? { lastError: st.lastError } : {}),
        skipped: st.skipped,
        ...(st.lastSkipped ? { lastSkipped: st.lastSkipped } : {}),
      };
    },
  };
}
