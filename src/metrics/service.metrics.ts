/**
 * The HTTP thread's Prometheus metrics (prom-client): Node's default process metrics, HTTP
 * requests by route and status, registrations by outcome and their duration, and the sequencer's
 * gauges. The processors' metrics live in their own thread's registry (processor.metrics.ts) and
 * are merged in at scrape time (metrics.controller.ts). docs/operations.md describes each metric
 * and what an alert on it means.
 *
 * Hot-path cost: one counter increment and one histogram observation per request on cached label
 * children, and three stage observations per registration — fast-metrics.ts children, a few
 * additions each (prom-client's hash their labels on every call); gauges are computed only when
 * scraped.
 */
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent } from '../../libs/event-store/src/index.js';
import type { BatchTiming } from '../log/sequencer.contract.js';
import { FastCounter, FastHistogram, type FastCounterChild, type FastHistogramChild } from './fast-metrics.js';
import { registerThreadCpu } from './thread-cpu.js';

/** What the sequencer gauges read (the Sequencer satisfies it). */
export interface SequencerView {
  readonly size: number;
  readonly queueLength: number;
  readonly lastCheckpoint: { readonly signedAt: string } | null;
}

export type RegistrationOutcome = 'registered' | 'pending' | 'rejected' | 'rate_limited' | 'unavailable' | 'error';

/** The outcome label of a POST /entries response status. */
export function registrationOutcomeOf(status: number): RegistrationOutcome {
  if (status === 201 || status === 200) return 'registered';
  if (status === 303 || status === 202) return 'pending';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  if (status >= 400 && status < 500) return 'rejected';
  return 'error';
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** the stages of a registration are often well under a millisecond */
const STAGE_BUCKETS = [0.0005, ...SECONDS_BUCKETS];

/** Where a registration's time goes inside the service ({@link ServiceMetrics.checked}, {@link ServiceMetrics.released}). */
export type RegistrationStage = 'check' | 'queue' | 'sequence';

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests = new FastCounter({ name: 'scitt_http_requests_total', help: 'HTTP requests answered, by method, route (the route template; "unmatched" when no route matched) and status', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  private readonly requestSeconds = new FastHistogram({ name: 'scitt_http_request_duration_seconds', help: 'HTTP request duration from the request line to the response, by method and route', labelNames: ['method', 'route'] as const, buckets: SECONDS_BUCKETS, registers: [this.registry] });
  private readonly registrations = new FastCounter({ name: 'scitt_registrations_total', help: 'POST /entries answers by outcome: registered (201, a receipt), pending (303), rejected (4xx but 429), rate_limited (429), unavailable (503), error (other 5xx)', labelNames: ['outcome'] as const, registers: [this.registry] });
  private readonly registrationSeconds = new FastHistogram({ name: 'scitt_registration_duration_seconds', help: 'POST /entries duration (receipt included when registered), by outcome', labelNames: ['outcome'] as const, buckets: SECONDS_BUCKETS, registers: [this.registry] });
  private readonly batchSize = new Histogram({ name: 'scitt_sequencer_batch_size', help: 'entries per sequencing batch (one atomic append and one signed checkpoint each)', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096], registers: [this.registry] });
  private readonly appendSeconds = new Histogram({ name: 'scitt_event_store_append_duration_seconds', help: 'duration of the sequencer\'s durable appends to the event store', buckets: SECONDS_BUCKETS, registers: [this.registry] });
  private readonly stageSeconds = new FastHistogram({
    name: 'scitt_registration_stage_seconds',
    help: "where a registered statement's time went: check (decoding, the dedupe lookup, signature and policy), queue (waiting for its batch: the linger and the batch before it), sequence (its batch: checkpoint signature, durable append, index write, receipts)",
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS,
    registers: [this.registry],
  });
  private readonly stages: Record<RegistrationStage, FastHistogramChild> = {
    check: this.stageSeconds.labels('check'),
    queue: this.stageSeconds.labels('queue'),
    sequence: this.stageSeconds.labels('sequence'),
  };
  /** cached label children: the hot path does not hash label sets */
  private readonly children = new Map<string, { count: FastCounterChild; seconds: FastHistogramChild }>();
  private readonly outcomeChildren = new Map<RegistrationOutcome, { count: FastCounterChild; seconds: FastHistogramChild }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    registerThreadCpu(this.registry, 'main');
  }

  /** Records one answered request (`route` is the route template, e.g. `/entries/:id`). */
  request(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let c = this.children.get(key);
    if (!c) {
      c = { count: this.requests.labels(method, route, String(status)), seconds: this.requestSeconds.labels(method, route) };
      this.children.set(key, c);
    }
    c.count.inc();
    c.seconds.observe(seconds);
    if (method === 'POST' && route === '/entries') {
      const outcome = registrationOutcomeOf(status);
      let o = this.outcomeChildren.get(outcome);
      if (!o) {
        o = { count: this.registrations.labels(outcome), seconds: this.registrationSeconds.labels(outcome) };
        this.outcomeChildren.set(outcome, o);
      }
      o.count.inc();
      o.seconds.observe(seconds);
    }
  }

  /** A statement passed its checks after `ms` (from the command's start: decoding, the dedupe lookup, signature, policy). */
  checked(ms: number): void {
    this.stages.check.observe(ms / 1000);
  }

  /** The sequencer released a batch (its `onReleased`): each statement's wait for the batch, and the batch's turn. */
  readonly released = (t: BatchTiming): void => {
    const turn = (t.releasedAt - t.takenAt) / 1000;
    for (const queued of t.queuedAt) {
      this.stages.queue.observe(Math.max(0, t.takenAt - queued) / 1000);
      this.stages.sequence.observe(turn);
    }
  };

  /** Gauges read from the sequencer when scraped. */
  watchSequencer(sequencer: SequencerView, now: () => number = Date.now): void {
    new Gauge({ name: 'scitt_log_tree_size', help: 'entries in the log (the tree size of the last durable checkpoint)', registers: [this.registry], collect() { this.set(sequencer.size); } });
    new Gauge({ name: 'scitt_sequencer_queue_depth', help: 'verified statements waiting for the sequencer (503 + Retry-After when it reaches SEQUENCER_MAX_QUEUE)', registers: [this.registry], collect() { this.set(sequencer.queueLength); } });
    new Gauge({
      name: 'scitt_checkpoint_age_seconds',
      help: 'seconds since the last checkpoint was signed (NaN before the first); grows while no statement arrives',
      registers: [this.registry],
      collect() {
        const at = sequencer.lastCheckpoint ? Date.parse(sequencer.lastCheckpoint.signedAt) : NaN;
        this.set(Number.isNaN(at) ? NaN : Math.max(0, (now() - at) / 1000));
      },
    });
  }

  /**
   * The store the sequencer appends through: the same store, timing each append and counting the
   * entries of each batch (the EntryRegistered events of one append).
   */
  instrumentStore(store: EventStore): EventStore {
    const appendSeconds = this.appendSeconds;
    const batchSize = this.batchSize;
    return {
      async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
        const end = appendSeconds.startTimer();
        let r: AppendResult;
        try {
          r = await store.append(stream, events, expected);
        } finally {
          end();
        }
        let entries = 0;
        for (const e of events) if (e.type === 'EntryRegistered') entries++;
        if (entries > 0) batchSize.observe(entries);
        return r;
      },
      readStream: (stream, opts) => store.readStream(stream, opts),
      readAll: (opts) => store.readAll(opts),
      headPosition: () => store.headPosition(),
      subscribeToAll: (opts) => store.subscribeToAll(opts),
      close: () => store.close(),
    };
  }
}
