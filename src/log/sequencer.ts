/**
 * The sequencer: the single writer of stream `log-<logId>` (ARCHITECTURE §5).
 *
 * Group commit: statements that arrive while an append is in flight queue up; each turn takes up
 * to `maxBatch` of them, assigns indices, extends the tree, signs ONE checkpoint and appends
 * `[EntryRegistered × n, CheckpointSigned]` atomically with the expected revision. Receipts are
 * released only after that append returned.
 *
 * Commit points (what a crash leaves behind, and how startup recovers):
 *  1. before `store.append` returns — nothing of the batch is durable; no client got a receipt.
 *     Clients retry; registration is idempotent by entry id.
 *  2. after `store.append`, before `index.writeBatch` — the batch is durable in the event store;
 *     the derived index lags. Startup replays the stream from `index.appliedEvents()` and
 *     rebuilds the same receipts (same checkpoint signature, recomputed proofs).
 *  3. after `index.writeBatch`, before the waiters resolve — durable and indexed; the client's
 *     connection dies with the process, and its retry returns the stored receipt.
 * A revision conflict means another writer exists: the sequencer stops and refuses writes (503)
 * rather than fork the log. Any other append failure marks the state stale: the next turn reloads
 * from the stream first (the failed append may or may not have landed).
 */
import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import {
  decideBatch,
  decodeEventData,
  encodeEventData,
  evolve,
  initialLogState,
  LogIntegrityError,
  logStream,
  planOf,
  sealBatch,
  stateAfter,
  type AdmittedEntry,
  type CheckpointSigned,
  type EntryRegistered,
  type LedgerEvent,
  type LogState,
} from '../../libs/ledger/src/index.js';
import { ConcurrencyError, type EventStore, type NewEvent } from '../../libs/event-store/src/index.js';
import { integrateBatch } from './batch-integrator.js';
import type { LogIndexStore } from './log-index.store.js';

export interface CheckpointSigner {
  /** Sign the tree head; returns the receipt protected header and the signature over the root. */
  sign(root: Uint8Array, treeSize: number, now: Date): Promise<{ protectedHeader: Uint8Array; signature: Uint8Array }>;
}

export interface Registered {
  readonly entryId: string;
  readonly index: number;
  readonly treeSize: number;
  readonly receipt: Uint8Array;
}

export class SequencerError extends Error {
  constructor(
    readonly code: 'ERR_SEQUENCER_QUEUE_FULL' | 'ERR_SEQUENCER_STOPPED' | 'ERR_SEQUENCER_APPEND_FAILED' | 'ERR_SEQUENCER_OTHER_WRITER',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SequencerError';
  }
}

interface Waiter {
  readonly entry: AdmittedEntry;
  readonly promise: Promise<Registered>;
  resolve(r: Registered): void;
  reject(e: Error): void;
}

export interface SequencerOptions {
  readonly store: EventStore;
  readonly index: LogIndexStore;
  readonly signer: CheckpointSigner;
  readonly logId: string;
  readonly maxBatch: number;
  /** entry bytes per batch at most (a batch holds at least one entry): keeps appends under the store's limits */
  readonly maxBatchBytes?: number;
  readonly lingerMs: number;
  readonly maxQueue: number;
  /** entry bytes queued at most: backpressure (503) bounds memory, not only the count */
  readonly maxQueueBytes?: number;
  readonly clock?: () => Date;
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export const toNewEvent = (e: LedgerEvent): NewEvent => ({ type: e.type, data: encodeEventData(e), contentType: 'application/json' });

export class Sequencer {
  private readonly logger = new Logger('sequencer');
  private readonly stream: string;
  private readonly clock: () => Date;
  private state: LogState = initialLogState();
  private readonly queue: Waiter[] = [];
  private queuedBytes = 0;
  /** queued or being appended, by statement id (the dedupe key: docs/receipts.md) */
  private readonly inFlight = new Map<string, Waiter>();
  /** the same waiters by entry id (GET /entries/{id} answers 302 for them) */
  private readonly inFlightEntries = new Set<string>();
  private scheduled = false;
  private running: Promise<void> | null = null;
  private stale = false;
  private stopped: SequencerError | null = null;

  constructor(private readonly o: SequencerOptions) {
    this.stream = logStream(o.logId);
    this.clock = o.clock ?? (() => new Date());
  }

  get size(): number {
    return this.state.size;
  }

  get queueLength(): number {
    return this.queue.length;
  }

  get lastCheckpoint(): LogState['lastCheckpoint'] {
    return this.state.lastCheckpoint;
  }

  /** Rebuild state from the index snapshot plus the stream beyond it; verify the root against the last checkpoint. */
  async start(): Promise<void> {
    await this.reload();
    const cp = this.state.lastCheckpoint;
    this.logger.log(`log ${this.o.logId}: ${this.state.size} entries, ${this.state.events} events${cp ? `, checkpoint at ${cp.treeSize} verified` : ''}`);
  }

  private async reload(): Promise<void> {
    const index = this.o.index;
    const applied = index.appliedEvents();
    const range = index.range();
    const cp = index.checkpoint();
    let state: LogState = { size: range.size, range, lastCheckpoint: cp ?? null, events: applied };
    const rebuild = 'delete log-index.sqlite to rebuild it from the event store';
    const indexedLog = index.getMeta('logId');
    if (indexedLog !== undefined && indexedLog !== this.o.logId) throw new LogIntegrityError(`the log index belongs to log ${indexedLog}, not ${this.o.logId}; ${rebuild}`);
    if (indexedLog === undefined) index.setMeta('logId', this.o.logId);
    if (cp && (cp.treeSize !== range.size || !equalBytes(cp.root, range.root()))) {
      throw new LogIntegrityError(`the log index is inconsistent: checkpoint ${cp.treeSize} does not match its own tree of ${range.size} entries; ${rebuild}`);
    }
    if (applied > 0) {
      // The snapshot must describe this store: its last applied event must exist, and if it is a
      // checkpoint, be the very checkpoint the index holds (a replaced or restored store is caught here).
      let last: LedgerEvent | undefined;
      for await (const ev of this.o.store.readStream(this.stream, { from: applied - 1, maxCount: 1 })) last = decodeEventData(ev.type, ev.data);
      if (!last) throw new LogIntegrityError(`the log index has applied ${applied} events but stream ${this.stream} holds fewer: the event store was replaced or restored; ${rebuild}`);
      if (last.type === 'CheckpointSigned' && (!cp || last.treeSize !== cp.treeSize || !equalBytes(last.root, cp.root))) {
        throw new LogIntegrityError(`the log index's checkpoint differs from the event store's at revision ${applied - 1}; ${rebuild}`);
      }
    }
    let batch: EntryRegistered[] = [];
    let replayed = 0;
    for await (const ev of this.o.store.readStream(this.stream, { from: applied })) {
      if (ev.revision !== state.events + batch.length) {
        throw new LogIntegrityError(`stream ${this.stream} revision ${ev.revision} does not follow ${state.events + batch.length - 1}`);
      }
      const event = decodeEventData(ev.type, ev.data);
      if (event.type === 'EntryRegistered') {
        // Recompute what the event claims about its bytes: the root check then covers the entries.
        if (!equalBytes(hashLeaf(event.entry), event.leafHash) || createHash('sha256').update(event.entry).digest('hex') !== event.entryId) {
          throw new LogIntegrityError(`stream ${this.stream} revision ${ev.revision}: entry ${event.index}'s bytes do not match its leaf hash or entry id`);
        }
        batch.push(event);
        continue;
      }
      if (event.type === 'CheckpointSigned') {
        const plan = planOf(state, batch);
        state = stateAfter(state, plan, event);
        index.writeBatch(await integrateBatch(plan, state.lastCheckpoint!, state.events));
        replayed += batch.length;
        batch = [];
        continue;
      }
      if (batch.length > 0) throw new LogIntegrityError(`stream ${this.stream}: ${event.type} at revision ${ev.revision} interrupts a batch`);
      state = evolve(state, event);
      index.recordServiceEvent(event, state.events);
    }
    if (batch.length > 0) throw new LogIntegrityError(`stream ${this.stream} ends with ${batch.length} entries and no checkpoint`);
    if (state.events < applied) throw new LogIntegrityError(`the log index has applied ${applied} events but the stream holds ${state.events}; delete log-index.sqlite to rebuild it`);
    if (replayed > 0) this.logger.log(`replayed ${replayed} entries from the event store into the log index`);
    this.state = state;
    this.stale = false;
  }

  /** Append service events (keys, policy) through the single writer, outside any batch. */
  async appendServiceEvents(events: readonly LedgerEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.exclusive(async () => {
      const expected = this.state.events === 0 ? 'no_stream' : this.state.events - 1;
      await this.o.store.append(this.stream, events.map(toNewEvent), expected);
      let s = this.state;
      for (const e of events) {
        s = evolve(s, e);
        this.o.index.recordServiceEvent(e, s.events);
      }
      this.state = s;
    });
  }

  /** The entry is queued or being appended. */
  isPending(entryId: string): boolean {
    return this.inFlightEntries.has(entryId);
  }

  /** The entry id under which a statement is queued or being appended. */
  pendingEntryOf(statementId: string): string | undefined {
    return this.inFlight.get(statementId)?.entry.entryId;
  }

  /**
   * Queue an admitted statement; resolves with its receipt once durable. The same statement twice
   * (same statement id, whatever the signature bytes) ⇒ the same promise, and the first entry.
   */
  submit(entry: AdmittedEntry): Promise<Registered> {
    const existing = this.inFlight.get(entry.statementId);
    if (existing) return existing.promise;
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.queue.length >= this.o.maxQueue || this.queuedBytes + entry.entry.length > (this.o.maxQueueBytes ?? Infinity)) {
      return Promise.reject(new SequencerError('ERR_SEQUENCER_QUEUE_FULL', `the sequencing queue is full (${this.queue.length} statements, ${this.queuedBytes} bytes)`));
    }
    let resolve!: (r: Registered) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Registered>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // callers that gave up (303) must not cause unhandled rejections
    const w: Waiter = { entry, promise, resolve, reject };
    this.queue.push(w);
    this.queuedBytes += entry.entry.length;
    this.inFlight.set(entry.statementId, w);
    this.inFlightEntries.add(entry.entryId);
    this.schedule();
    return promise;
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      void this.exclusive(() => this.drainQueue());
    };
    if (this.o.lingerMs > 0) setTimeout(go, this.o.lingerMs);
    else setImmediate(go);
  }

  /** Run `work` with no other batch or service append in flight. */
  private async exclusive(work: () => Promise<void>): Promise<void> {
    while (this.running) await this.running;
    this.running = work().finally(() => {
      this.running = null;
      if (this.queue.length > 0 && !this.stopped) this.schedule();
    });
    return this.running;
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) await this.sequence(this.takeBatch());
  }

  /** The next batch: at most `maxBatch` entries and `maxBatchBytes` entry bytes, at least one entry. */
  private takeBatch(): Waiter[] {
    const limit = this.o.maxBatchBytes ?? Infinity;
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.o.maxBatch && (n === 0 || bytes + this.queue[n]!.entry.entry.length <= limit)) {
      bytes += this.queue[n]!.entry.entry.length;
      n++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, n);
  }

  /** Reload from the stream as soon as no batch is running (after a failure, so what landed shows). */
  private scheduleReload(): void {
    setImmediate(() => {
      void this.exclusive(async () => {
        if (!this.stale) return;
        try {
          await this.reload();
        } catch (err) {
          this.logger.error(`couldn't reload the log after a failure (the next batch tries again): ${(err as Error).message}`);
        }
      });
    });
  }

  private async sequence(batch: Waiter[]): Promise<void> {
    const settle = (fn: (w: Waiter) => void): void => {
      for (const w of batch) {
        this.forget(w);
        fn(w);
      }
    };
    try {
      if (this.stale) await this.reload();
      // A retried statement may have landed in a batch whose append failed but persisted.
      const fresh = batch.filter((w) => {
        const known = this.o.index.entryByStatement(w.entry.statementId);
        if (!known) return true;
        this.forget(w);
        w.resolve({ entryId: known.entryId, index: known.index, treeSize: known.receiptTreeSize, receipt: this.o.index.receipt(known.entryId)! });
        return false;
      });
      if (fresh.length === 0) return;
      batch = fresh;
      const now = this.clock();
      const plan = decideBatch(this.state, batch.map((w) => w.entry), now);
      const { protectedHeader, signature } = await this.o.signer.sign(plan.root, plan.treeSize, now);
      const seal: CheckpointSigned = sealBatch(plan, protectedHeader, signature, now);
      const expected = this.state.events === 0 ? 'no_stream' : this.state.events - 1;
      await this.o.store.append(this.stream, [...plan.entries, seal].map(toNewEvent), expected);
      // COMMIT POINT: the batch is durable. Nothing below may fail the waiters' registration.
      this.state = stateAfter(this.state, plan, seal);
      const record = await integrateBatch(plan, this.state.lastCheckpoint!, this.state.events, new Map(batch.map((w) => [w.entry.entryId, w.entry.statementId])));
      try {
        this.o.index.writeBatch(record);
      } catch (err) {
        // Durable all the same: answer with the receipts; the index catches up by replay.
        this.logger.error(`couldn't write a batch to the log index (it will be replayed from the event store): ${(err as Error).message}`);
        this.stale = true;
        this.scheduleReload();
      }
      const byId = new Map(record.entries.map((r) => [r.entryId, r]));
      settle((w) => {
        const e = byId.get(w.entry.entryId)!;
        w.resolve({ entryId: e.entryId, index: e.index, treeSize: e.receiptTreeSize, receipt: e.receipt });
      });
    } catch (err) {
      if (err instanceof ConcurrencyError) {
        this.stopped = new SequencerError('ERR_SEQUENCER_OTHER_WRITER', `another writer appended to ${this.stream}; this instance stopped sequencing to avoid forking the log`, { cause: err });
        this.logger.error(this.stopped.message);
        settle((w) => w.reject(this.stopped!));
        for (const w of this.queue.splice(0)) {
          this.forget(w);
          w.reject(this.stopped);
        }
        this.queuedBytes = 0;
        return;
      }
      this.stale = true;
      this.scheduleReload(); // the append may have landed after all: make it visible
      this.logger.error(`couldn't append a batch of ${batch.length}: ${String((err as Error)?.message ?? err)}`);
      const failure = new SequencerError('ERR_SEQUENCER_APPEND_FAILED', "couldn't make the statements durable; retry", { cause: err });
      settle((w) => w.reject(failure));
    }
  }

  private forget(w: Waiter): void {
    this.inFlight.delete(w.entry.statementId);
    this.inFlightEntries.delete(w.entry.entryId);
  }

  /** Stop accepting, finish what is queued. */
  async drain(): Promise<void> {
    this.stopped ??= new SequencerError('ERR_SEQUENCER_STOPPED', 'the service is shutting down');
    // Already-queued statements are still sequenced: stopped only refuses new ones.
    while (this.queue.length > 0 || this.running) {
      if (!this.running) await this.exclusive(async () => {
        while (this.queue.length > 0) await this.sequence(this.takeBatch());
      });
      else await this.running;
    }
  }
}
