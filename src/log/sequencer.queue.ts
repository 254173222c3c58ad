/**
 * The statements waiting for the sequencer: a FIFO queue bounded by count and bytes, and every
 * statement queued or being appended by its key — the same statement submitted twice shares one
 * waiter (one promise, one log entry).
 */
import type { AdmittedEntry } from '../../libs/ledger/src/index.js';
import { SequencerError } from './sequencer.errors.js';

export interface Registered {
  readonly entryId: string;
  readonly index: number;
  readonly treeSize: number;
  readonly receipt: Uint8Array;
}

export interface Waiter {
  readonly entry: AdmittedEntry;
  /** when it was queued (`performance.now()`, ms) */
  readonly queuedAt: number;
  readonly promise: Promise<Registered>;
  resolve(r: Registered): void;
  reject(e: Error): void;
}

export interface QueueLimits {
  readonly maxQueue: number;
  readonly maxQueueBytes?: number;
  readonly maxBatch: number;
  readonly maxBatchBytes?: number;
}

/**
 * The identity of a statement while it waits: its statement id (docs/receipts.md "Statement
 * identity"), so an ECDSA twin (r, n − s) of a queued statement shares its waiter and entry.
 * Every in-flight lookup goes through this function.
 */
/** the linger applies while a batch was taken within this many lingers */
const LINGER_BUSY_FACTOR = 10;

export const keyOf = (entry: AdmittedEntry): string => entry.statementId;

export class WaitingStatements {
  private readonly queue: Waiter[] = [];
  private queuedBytes = 0;
  /** when the last batch was taken (`performance.now()`) and how many it held: the linger applies only while busy */
  private lastTakenAt = -Infinity;
  private lastTakenCount = 0;
  /** queued or being appended, by {@link keyOf} */
  private readonly inFlight = new Map<string, Waiter>();
  /** the entry ids of `inFlight` (GET /entries/{id} answers 302 for them) */
  private readonly entryIds = new Set<string>();

  constructor(private readonly limits: QueueLimits) {}

  get length(): number {
    return this.queue.length;
  }

  /** The promise of a statement already queued or being appended. */
  pending(entry: AdmittedEntry): Promise<Registered> | undefined {
    return this.inFlight.get(keyOf(entry))?.promise;
  }

  isPending(entryId: string): boolean {
    return this.entryIds.has(entryId);
  }

  /** The entry id under which a statement (by statement id) is queued or being appended. */
  pendingEntryOf(statementId: string): string | undefined {
    return this.inFlight.get(statementId)?.entry.entryId;
  }

  /** Queue a statement; throws ERR_SEQUENCER_QUEUE_FULL past the count or byte bound. */
  add(entry: AdmittedEntry): Promise<Registered> {
    if (this.queue.length >= this.limits.maxQueue || this.queuedBytes + entry.entry.length > (this.limits.maxQueueBytes ?? Infinity)) {
      throw new SequencerError('ERR_SEQUENCER_QUEUE_FULL', `the sequencing queue is full (${this.queue.length} statements, ${this.queuedBytes} bytes)`);
    }
    let resolve!: (r: Registered) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Registered>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // callers that gave up (303) must not cause unhandled rejections
    const w: Waiter = { entry, queuedAt: performance.now(), promise, resolve, reject };
    this.queue.push(w);
    this.queuedBytes += entry.entry.length;
    this.inFlight.set(keyOf(entry), w);
    this.entryIds.add(entry.entryId);
    return promise;
  }

  /**
   * How long the next batch may still wait for more statements (ms, 0: take it now): `lingerMs` from
   * its oldest statement's arrival (as Kafka's `linger.ms`), unless the queue fills a batch already —
   * and only while statements keep coming together: the last batch, taken within the last ten
   * lingers, held more than one. A lone statement after a quiet spell has nobody to share a batch
   * with and goes at once, and so does a client registering one statement at a time (each of its
   * batches holds its one statement: waiting would only delay it). Measured at 1,000/s, where a
   * batch per append in flight held ≈ 1.7 statements: −17 % CPU with 2 ms (5 ms: a further −11 %,
   * but p99 +5 ms; docs/benchmarks.md, #17 fifth pass).
   */
  lingerLeft(lingerMs: number, now = performance.now()): number {
    const head = this.queue[0];
    if (!head || lingerMs <= 0 || this.lastTakenCount < 2 || now - this.lastTakenAt >= LINGER_BUSY_FACTOR * lingerMs) return 0;
    if (this.queue.length >= this.limits.maxBatch || this.queuedBytes >= (this.limits.maxBatchBytes ?? Infinity)) return 0;
    return Math.max(0, head.queuedAt + lingerMs - now);
  }

  /** The next batch: at most `maxBatch` entries and `maxBatchBytes` entry bytes, at least one entry. */
  takeBatch(): Waiter[] {
    this.lastTakenAt = performance.now();
    const limit = this.limits.maxBatchBytes ?? Infinity;
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.limits.maxBatch && (n === 0 || bytes + this.queue[n]!.entry.entry.length <= limit)) {
      bytes += this.queue[n]!.entry.entry.length;
      n++;
    }
    this.queuedBytes -= bytes;
    this.lastTakenCount = n;
    return this.queue.splice(0, n);
  }

  resolve(w: Waiter, r: Registered): void {
    this.forget(w);
    w.resolve(r);
  }

  reject(w: Waiter, err: Error): void {
    this.forget(w);
    w.reject(err);
  }

  /** Reject everything still queued. */
  refuseAll(err: Error): void {
    for (const w of this.queue.splice(0)) this.reject(w, err);
    this.queuedBytes = 0;
  }

  private forget(w: Waiter): void {
    if (this.inFlight.get(keyOf(w.entry)) === w) this.inFlight.delete(keyOf(w.entry));
    this.entryIds.delete(w.entry.entryId);
  }
}
