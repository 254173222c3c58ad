/**
 * A follower's log: it keeps its own log index (its own data directory) up to date by following
 * the shared event store, so that it answers every read itself (docs/operations.md, several nodes).
 *
 * Start: the index's snapshot is checked against the store and the stream beyond it replayed
 * (log-replay.ts, the same verification as the sequencer's start). Then it subscribes to the
 * store after the last applied event and folds each event of the log's stream as it comes
 * ({@link LogFolder}): entries wait for their checkpoint, whose root is verified against the
 * recomputed tree before the batch is written to the index. A failure (store unavailable, a
 * subscription that ended) restarts from the index after a back-off; an integrity failure is
 * logged as such and retried the same way, so the node keeps serving what it verified.
 *
 * Read-your-writes: {@link LogFollower.waitFor} and {@link LogFollower.catchUpToStore} wait,
 * bounded, for the index to reach a position another node acknowledged.
 */
import { Logger } from '@nestjs/common';
import type { EventStore, Subscription } from '../../libs/event-store/src/index.js';
import type { LogState } from '../../libs/ledger/src/index.js';
import type { LogIndexStore } from './log-index.store.js';
import { checkIndex, LogFolder, replayStream } from './log-replay.js';
import { messageOf } from './sequencer.errors.js';

export interface LogFollowerOptions {
  readonly store: EventStore;
  readonly index: LogIndexStore;
  readonly logId: string;
  readonly stream: string;
  /** back-off after a failure, doubling up to 5 s (default 200 ms) */
  readonly retryMinMs?: number;
}

export interface FollowerLag {
  /** events of the log's stream in the store that the index does not hold yet */
  readonly events: number;
  /** how long ago the oldest of them was appended (0 when caught up) */
  readonly ms: number;
}

export class LogFollower {
  private readonly logger = new Logger('follower');
  private folder: LogFolder | null = null;
  private sub: Subscription | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private failures = 0;
  private lastError: string | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: LogFollowerOptions) {}

  /** The state the index holds (null before the first catch-up). */
  get state(): LogState | null {
    return this.folder?.state ?? null;
  }

  get running(): boolean {
    return this.loop !== null && !this.stopping;
  }

  get error(): string | null {
    return this.lastError;
  }

  /** Catches up with the store (verifying), then follows it; resolves after the catch-up. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    await this.catchUp();
    this.loop = this.follow();
  }

  /** Stops following; the index holds complete batches only (a batch in progress is read again next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.sub?.close();
    await this.loop;
    this.loop = null;
    this.sub = null;
    this.folder?.reset();
    this.wakeWaiters();
  }

  /** Waits (at most `ms`) until `done()` holds after an applied batch; resolves with its last value. */
  waitFor(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done() && Date.now() < end && this.running) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(done());
      };
      const end = Date.now() + ms;
      const timer = setTimeout(() => ((this.waiters.delete(check), resolve(done()))), ms);
      this.waiters.add(check);
    });
  }

  /** Waits (at most `ms`) until the index holds everything the store held when called. */
  async catchUpToStore(ms: number): Promise<boolean> {
    const head = await this.headRevision();
    return this.waitFor(() => (this.state?.events ?? 0) > head, ms);
  }

  /** How far the index is behind the store. */
  async lag(): Promise<FollowerLag> {
    const applied = this.state?.events ?? 0;
    const head = await this.headRevision();
    if (head < applied) return { events: 0, ms: 0 };
    let ms = 0;
    for await (const ev of this.o.store.readStream(this.o.stream, { from: applied, maxCount: 1 })) ms = Math.max(0, Date.now() - ev.recordedAt.getTime());
    return { events: head + 1 - applied, ms };
  }

  private async headRevision(): Promise<number> {
    for await (const ev of this.o.store.readStream(this.o.stream, { direction: 'backward', from: 'end', maxCount: 1 })) return ev.revision;
    return -1;
  }

  /** Verify the index against the store and replay what it lacks. */
  private async catchUp(): Promise<void> {
    const checked = await checkIndex(this.o.index, this.o.store, this.o.stream, this.o.logId);
    const { state, replayed } = await replayStream(this.o.store, this.o.index, this.o.stream, checked);
    if (replayed > 0) this.logger.log(`caught up: replayed ${replayed} entries from the event store (log size ${state.size})`);
    this.folder = new LogFolder(this.o.index, this.o.stream, state);
    this.wakeWaiters();
  }

  private async follow(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.folder) await this.catchUp();
        const folder = this.folder!;
        const after = await this.positionOf(folder.state.events - 1);
        const sub = this.o.store.subscribeToAll({ ...(after === undefined ? {} : { after }), filter: { streamPrefixes: [this.o.stream] } });
        this.sub = sub;
        if (this.stopping) await sub.close();
        for await (const ev of sub) {
          if (ev.stream !== this.o.stream || ev.revision < folder.nextRevision) continue;
          if ((await folder.apply(ev)) > 0 || folder.nextRevision === folder.state.events) this.wakeWaiters();
          this.failures = 0;
          this.lastError = null;
        }
        if (!this.stopping) throw new Error('the subscription ended');
      } catch (err) {
        if (this.stopping) break;
        this.failures++;
        this.lastError = messageOf(err);
        const delay = Math.min(5000, (this.o.retryMinMs ?? 200) * 2 ** Math.min(this.failures - 1, 10));
        this.logger.error(`couldn't follow the event store (${this.lastError}); restarting from the log index in ${delay} ms`);
        await this.sub?.close().catch(() => undefined);
        this.folder = null; // restart from the index: a batch in progress is read again
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The global position of the stream's event at `revision` (undefined before the first). */
  private async positionOf(revision: number): Promise<bigint | undefined> {
    if (revision < 0) return undefined;
    for await (const ev of this.o.store.readStream(this.o.stream, { from: revision, maxCount: 1 })) return ev.position;
    throw new Error(`stream ${this.o.stream} has no revision ${revision}`);
  }

  private wakeWaiters(): void {
    for (const w of [...this.waiters]) w();
  }
}
