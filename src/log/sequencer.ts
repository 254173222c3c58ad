/**
 * The sequencer: the single writer of stream `log-<logId>` (docs/architecture.md, the write path).
 *
 * One loop, one turn at a time (as Sunlight's sequencer): await work → take a batch → decide
 * (indices, tree, root) → sign ONE checkpoint → append `[EntryRegistered × n, CheckpointSigned]`
 * atomically with the expected revision → index → release the receipts. Group commit falls out
 * of it: statements that arrive while a turn is in flight make the next batch.
 *
 * When something fails the loop does not stop for good. It refuses writes (503, so readiness
 * says "not ready"), and retries with back-off: reload the log from the stream, verify the
 * recomputed root against the last checkpoint, check that the data directory takes writes
 * (`probe`), then resume. A revision conflict (another writer) is handled the same way: nothing
 * of ours was written, so the log cannot fork; the reload picks up what the other writer
 * appended, and a writer that keeps appending keeps this one refusing.
 *
 * Commit points: see the comments in {@link Sequencer.sequence}.
 */
import { Logger } from '@nestjs/common';
import { decideBatch, evolve, initialLogState, logStream, sealBatch, stateAfter, toStoredEvents } from '../../libs/ledger/src/index.js';
import {
  type AdmittedEntry,
  type BatchPlan,
  type CheckpointSigned,
  type LedgerEvent,
  type LogState,
} from '../../libs/ledger/src/index.js';
import { ConcurrencyError } from '../../libs/event-store/src/index.js';
import { batchReceipts, integrateBatch } from './batch-integrator.js';
import { IndexedAnswers } from './indexed-answers.js';
import type { BatchRecord } from './log-index.store.js';
import { checkIndex, replayStream } from './log-replay.js';
import type { SequencerOptions, SequencerState, SequencerStatus, ServiceJob } from './sequencer.contract.js';
import { messageOf, SequencerError, type SequencerErrorCode } from './sequencer.errors.js';
import { RecoveryBackoff, WakeSignal } from './sequencer.recovery.js';
import { WaitingStatements, type Registered, type Waiter } from './sequencer.queue.js';

export { SequencerError, type SequencerErrorCode } from './sequencer.errors.js';
export type { Registered } from './sequencer.queue.js';
export type { BatchTiming, CheckpointSigner, SequencerOptions, SequencerState, SequencerStatus } from './sequencer.contract.js';


export class Sequencer {
  private readonly logger = new Logger('sequencer');
  private readonly stream: string;
  private readonly clock: () => Date;
  private state: LogState = initialLogState();
  private readonly queue: WaitingStatements;
  private readonly jobs: ServiceJob[] = [];
  private mode: SequencerState = 'starting';
  private readonly backoff: RecoveryBackoff;
  /** the log index lags the stream (a write to it failed): reload before the next batch */
  private indexBehind = false;
  private closing = false;
  private loop: Promise<void> | null = null;
  private readonly signal = new WakeSignal();
  private readonly answers: IndexedAnswers;

  constructor(private readonly o: SequencerOptions) {
    this.stream = logStream(o.logId);
    this.clock = o.clock ?? (() => new Date());
    this.queue = new WaitingStatements(o);
    this.backoff = new RecoveryBackoff(o, this.clock);
    this.answers = new IndexedAnswers(o.index, this.logger);
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

  status(): SequencerStatus {
    const failure = this.mode === 'recovering' ? this.backoff.status() : undefined;
    return { state: this.mode, ready: this.mode === 'running' && !this.closing, ...(failure ? { failure } : {}) };
  }

  /** Rebuild state from the index snapshot plus the stream beyond it (verifying every root), then start the loop. */
  async start(): Promise<void> {
    await this.reload();
    const cp = this.state.lastCheckpoint;
    this.logger.log(`log ${this.o.logId}: ${this.state.size} entries, ${this.state.events} events${cp ? `, checkpoint at ${cp.treeSize} verified` : ''}`);
    this.mode = 'running';
    this.loop = this.run();
  }

  /** Append service events (keys, policy) through the single writer, outside any batch. */
  appendServiceEvents(events: readonly LedgerEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (!this.loop || this.closing) return Promise.reject(new SequencerError('ERR_SEQUENCER_STOPPED', 'the sequencer is not running'));
    return new Promise((resolve, reject) => {
      this.jobs.push({ events, resolve, reject });
      this.wake();
    });
  }

  /** The entry is queued or being appended. */
  isPending(entryId: string): boolean {
    return this.queue.isPending(entryId);
  }

  /** The entry id under which a statement is queued or being appended. */
  pendingEntryOf(statementId: string): string | undefined {
    return this.queue.pendingEntryOf(statementId);
  }

  /**
   * Queue an admitted statement; resolves with its receipt once durable. The same statement twice
   * (same statement id, whatever the signature bytes) ⇒ the same promise, and the first entry.
   */
  submit(entry: AdmittedEntry): Promise<Registered> {
    const existing = this.queue.pending(entry);
    if (existing) return existing;
    if (!this.loop || this.closing) return Promise.reject(new SequencerError('ERR_SEQUENCER_STOPPED', 'the service is shutting down'));
    if (this.mode === 'recovering') return Promise.reject(this.backoff.refusal());
    try {
      const promise = this.queue.add(entry);
      this.wake();
      return promise;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Stop accepting; finish what is queued (unless the log is recovering: then it is refused); end the loop. */
  async drain(): Promise<void> {
    this.closing = true;
    this.wake();
    if (this.loop) await this.loop;
    else this.refuseAll(new SequencerError('ERR_SEQUENCER_STOPPED', 'the service is shutting down'));
    this.mode = 'stopped';
  }

  /**
   * Stop sequencing because this node no longer leads (its lease is lost): what is queued is
   * refused at once (retryable: another node leads), a batch being appended finishes — its append
   * is fenced by the expected revision — and the loop ends.
   */
  async stepDown(reason: string): Promise<void> {
    this.closing = true;
    this.refuseAll(new SequencerError('ERR_SEQUENCER_NOT_LEADER', reason, { retryAfterSeconds: 1 }));
    this.wake();
    if (this.loop) await this.loop;
    this.mode = 'stopped';
  }

  // ---- the loop -------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let batch: Waiter[] = [];
    for (;;) {
      try {
        if (this.mode === 'recovering') {
          if (this.closing) break;
          const wait = this.backoff.untilNextAttempt();
          if (wait > 0) await this.signal.idle(wait);
          else await this.recover();
          continue;
        }
        if (this.queue.length === 0 && this.jobs.length === 0 && !this.indexBehind) {
          if (this.closing) break;
          await this.signal.idle();
          // Woken from idle: let what arrives in the same turn join the batch (a linger waits below).
          if (this.o.lingerMs <= 0) await new Promise((r) => setImmediate(r));
          continue;
        }
        if (this.indexBehind && !(await this.catchUp())) continue;
        const job = this.jobs.shift();
        if (job) await this.appendService(job);
        else if (this.queue.length > 0) {
          // Group commit (sequencer.queue.ts `lingerLeft`): the batch's fixed costs — checkpoint
          // signature, append and fsync, index transaction — shared at moderate rates too.
          const wait = this.closing ? 0 : this.queue.lingerLeft(this.o.lingerMs);
          if (wait > 0) {
            await this.signal.idle(wait);
            continue;
          }
          batch = this.queue.takeBatch();
          await this.sequence(batch);
          batch = [];
        }
      } catch (err) {
        // A bug, not a store failure (those are handled where they happen): refuse writes and recover.
        this.logger.error(`unexpected failure in the sequencer loop: ${(err as Error)?.stack ?? String(err)}`);
        this.enterRecovery(new SequencerError('ERR_SEQUENCER_APPEND_FAILED', `couldn't sequence: ${messageOf(err)}`, { cause: err }));
        for (const w of batch.splice(0)) if (!this.settleFromIndex(w)) this.queue.reject(w, this.backoff.refusal());
      }
    }
    this.refuseAll(new SequencerError('ERR_SEQUENCER_STOPPED', 'the service is shutting down'));
    this.mode = 'stopped';
  }

  /** One batch: decide, sign, append, index, release. */
  private async sequence(batch: Waiter[]): Promise<void> {
    const takenAt = performance.now();
    // A statement re-sent after an append that failed but landed, or registered while its twin was
    // being checked, is already in the log: answer from the index. One lookup for the whole batch.
    const known = this.answers.known(batch);
    batch = batch.filter((w) => !(known === undefined || known.has(w.entry.statementId)) || !this.settleFromIndex(w));
    if (batch.length === 0) return;
    const now = this.clock();
    const plan: BatchPlan = decideBatch(this.state, batch.map((w) => w.entry), now);
    let seal: CheckpointSigned;
    try {
      const signed = await this.o.signer.sign(plan.root, plan.treeSize, now);
      seal = sealBatch(plan, signed.protectedHeader, signed.signature, now);
    } catch (err) {
      this.failBatch(batch, new SequencerError('ERR_SEQUENCER_SIGN_FAILED', `couldn't sign the checkpoint for tree size ${plan.treeSize}: ${messageOf(err)}`, { cause: err }));
      return;
    }
    try {
      await this.o.store.append(this.stream, toStoredEvents([...plan.entries, seal]), this.expectedRevision());
    } catch (err) {
      if (err instanceof ConcurrencyError) {
        // Nothing of ours was written (the contract of a conflict): refuse rather than fork the log.
        const msg = `another writer appended to ${this.stream} (expected revision ${String(err.expected)}, found ${String(err.actual)}); this instance stopped sequencing to avoid forking the log`;
        this.failBatch(batch, new SequencerError('ERR_SEQUENCER_OTHER_WRITER', msg, { cause: err }));
      } else await this.appendFailed(batch, err);
      return;
    }
    // COMMIT POINT 1: the batch is durable in the event store. A crash from here on loses no
    // acknowledged statement (none is acknowledged yet); startup replays the batch into the index
    // with the same checkpoint signature, so the receipts are the same bytes. Nothing below may
    // fail the waiters' registration.
    this.state = stateAfter(this.state, plan, seal);
    this.backoff.succeeded();
    let record: BatchRecord | undefined;
    try {
      record = integrateBatch(plan, this.state.lastCheckpoint!, this.state.events, new Map(batch.map((w) => [w.entry.entryId, w.entry.statementId])));
      this.o.index.writeBatch(record);
    } catch (err) {
      // Durable all the same: the index catches up by replaying the stream before the next batch.
      this.logger.error(`couldn't write a batch to the log index (it is replayed from the event store next): ${messageOf(err)}`);
      this.indexBehind = true;
    }
    // COMMIT POINT 2: durable and (normally) indexed. A crash here: the clients' connections die
    // with the process, and their retries get the stored receipt (registration is idempotent).
    if (!record) {
      await this.catchUp(); // the receipts come from the replay, or the waiters get a retryable error
      for (const w of batch) if (!this.settleFromIndex(w)) this.queue.reject(w, this.backoff.refusal());
      return;
    }
    // The receipts the waiters asked for, from the batch's nodes in memory (the index builds the
    // same bytes on read). Durable and indexed already: a failure here is a bug, and the waiters
    // get theirs from the index (settleFromIndex) or a retryable error.
    let receipts: Uint8Array[];
    try {
      receipts = batchReceipts(plan, this.state.lastCheckpoint!);
    } catch (err) {
      this.logger.error(`couldn't build the receipts of a batch (answered from the log index): ${messageOf(err)}`);
      for (const w of batch) if (!this.settleFromIndex(w)) this.queue.reject(w, this.backoff.refusal());
      return;
    }
    batch.forEach((w, i) => {
      const e = record.entries[i]!;
      this.queue.resolve(w, { entryId: e.entryId, index: e.index, treeSize: e.receiptTreeSize, receipt: receipts[i]! });
    });
    // COMMIT POINT 3: released — the clients have their receipts (201).
    this.reportReleased(batch, takenAt);
  }

  /** Latency metrics (`onReleased`): never a reason to fail a batch that is already released. */
  private reportReleased(batch: readonly Waiter[], takenAt: number): void {
    if (!this.o.onReleased) return;
    try {
      this.o.onReleased({ queuedAt: batch.map((w) => w.queuedAt), takenAt, releasedAt: performance.now() });
    } catch (err) {
      this.logger.error(`the batch's latency report failed: ${messageOf(err)}`);
    }
  }

  /**
   * The append failed with an unknown outcome (the store may have written it). Reload now, so
   * that what landed is answered with its receipt and never sequenced twice; the rest get a
   * retryable error. Then refuse writes until a recovery attempt succeeds.
   */
  private async appendFailed(batch: Waiter[], err: unknown): Promise<void> {
    const failure = new SequencerError('ERR_SEQUENCER_APPEND_FAILED', `couldn't append a batch of ${batch.length} to the event store: ${messageOf(err)}`, { cause: err });
    try {
      await this.reload();
    } catch (reloadErr) {
      this.logger.error(`couldn't reload the log after a failed append (the recovery retries): ${messageOf(reloadErr)}`);
    }
    this.enterRecovery(failure);
    for (const w of batch) if (!this.settleFromIndex(w)) this.queue.reject(w, this.backoff.refusal());
  }

  /** Nothing of the batch was appended: its waiters and the queue get a retryable error, and the loop recovers. */
  private failBatch(batch: Waiter[], failure: SequencerError): void {
    this.enterRecovery(failure);
    for (const w of batch) this.queue.reject(w, this.backoff.refusal());
  }

  private async appendService(job: ServiceJob): Promise<void> {
    try {
      await this.o.store.append(this.stream, toStoredEvents(job.events), this.expectedRevision());
    } catch (err) {
      job.reject(err as Error);
      const code: SequencerErrorCode = err instanceof ConcurrencyError ? 'ERR_SEQUENCER_OTHER_WRITER' : 'ERR_SEQUENCER_APPEND_FAILED';
      this.enterRecovery(new SequencerError(code, `couldn't append service events: ${messageOf(err)}`, { cause: err }));
      return;
    }
    // Durable: the state moves on; the index records the events (or catches up by replay).
    const before = this.state;
    this.state = job.events.reduce(evolve, before);
    this.backoff.succeeded();
    try {
      let events = before.events;
      for (const e of job.events) this.o.index.recordServiceEvent(e, ++events);
    } catch (err) {
      this.logger.error(`couldn't record service events in the log index (replayed next): ${messageOf(err)}`);
      this.indexBehind = true;
    }
    job.resolve();
  }

  // ---- reload and recovery --------------------------------------------------------------------

  /** Check the index's snapshot against the store, then replay the stream beyond it. */
  private async reload(): Promise<void> {
    const checked = await checkIndex(this.o.index, this.o.store, this.stream, this.o.logId);
    const { state, replayed } = await replayStream(this.o.store, this.o.index, this.stream, checked);
    if (replayed > 0) this.logger.log(`replayed ${replayed} entries from the event store into the log index`);
    this.state = state;
    this.indexBehind = false;
  }

  /** The index lags (a write to it failed): replay before the next batch. */
  private async catchUp(): Promise<boolean> {
    this.mode = 'reloading';
    if (!(await this.reloadOrRecover())) return false;
    this.mode = 'running';
    return true;
  }

  /** Reload; a failure enters recovery (ERR_SEQUENCER_RELOAD_FAILED) and returns false. */
  private async reloadOrRecover(): Promise<boolean> {
    try {
      await this.reload();
      return true;
    } catch (err) {
      this.enterRecovery(new SequencerError('ERR_SEQUENCER_RELOAD_FAILED', `couldn't reload the log from the event store: ${messageOf(err)}`, { cause: err }));
      return false;
    }
  }

  /** One recovery attempt: reload and verify the log, check the disk takes writes, resume. */
  private async recover(): Promise<void> {
    if (!(await this.reloadOrRecover())) return;
    try {
      await this.o.probe?.();
    } catch (err) {
      this.enterRecovery(new SequencerError('ERR_SEQUENCER_APPEND_FAILED', `the store does not take writes: ${messageOf(err)}`, { cause: err }));
      return;
    }
    const f = this.backoff.resumed();
    this.logger.log(`resumed after ${f.error.code} (${f.attempts} attempt${f.attempts === 1 ? '' : 's'} since ${f.since.toISOString()}): ${this.state.size} entries, root verified against the last checkpoint`);
    this.mode = 'running';
  }

  /** Refuse writes (not ready) and schedule a recovery attempt with back-off. */
  private enterRecovery(error: SequencerError): void {
    const delay = this.backoff.fail(error);
    this.mode = 'recovering';
    this.logger.error(`${error.message}; refusing writes (not ready), next attempt in ${delay} ms`);
    this.refuseAll(this.backoff.refusal());
  }

  // ---- helpers --------------------------------------------------------------------------------

  private expectedRevision(): number | 'no_stream' {
    return this.state.events === 0 ? 'no_stream' : this.state.events - 1;
  }

  /** Resolves `w` from the log index when its statement is already there. */
  private settleFromIndex(w: Waiter): boolean {
    const r = this.answers.registered(w.entry.statementId);
    if (r) this.queue.resolve(w, r);
    return r !== undefined;
  }

  private refuseAll(err: Error): void {
    this.queue.refuseAll(err);
    for (const j of this.jobs.splice(0)) j.reject(err);
  }

  private wake(): void {
    this.signal.wake();
  }
}
