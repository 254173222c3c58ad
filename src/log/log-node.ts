/**
 * This node's part in the log (docs/operations.md, "Several nodes, one sequencer").
 *
 * - `single` (the default): the node is the log's only writer, as ever — a {@link Sequencer} from
 *   start to stop, fenced by the data-directory lock and the expected revision; no lease.
 * - `auto`: the node competes for the sequencer lease (PostgreSQL). Holding it, it leads: it stops
 *   following, starts a Sequencer (which reloads the log from the store and verifies the
 *   recomputed root against the last checkpoint), appends its service events (key, policy) and
 *   takes writes. Without it, it follows: a {@link LogFollower} keeps its own index, and
 *   registrations are handed to the leader ({@link LeaderForwarder}).
 * - `follower`: never leads.
 *
 * Losing the lease (connection closed, session ended by the server, a failed heartbeat) makes a
 * leader step down at once: it refuses what is queued (503, retryable), ends its sequencer, says
 * so in its log, and follows again. The expected revision on every append stays the fence: an
 * append by a node that has not noticed yet fails (ERR_SEQUENCER_OTHER_WRITER) and, when the lease
 * is confirmed lost, it steps down; while it still holds the lease, the sequencer reloads.
 */
import { Logger } from '@nestjs/common';
import type { LeaseHolder } from '../../libs/event-store/src/index.js';
import type { AdmittedEntry } from '../../libs/ledger/src/index.js';
import type { EntrySink } from './entry-sink.js';
import type { FollowerLag, LogFollower } from './log-follower.js';
import type { LeaderForwarder } from './leader-forwarder.js';
import type { Sequencer, SequencerStatus } from './sequencer.js';
import { messageOf, SequencerError } from './sequencer.errors.js';
import type { Registered } from './sequencer.queue.js';

export type NodeMode = 'single' | 'auto' | 'follower';
export type NodeRole = 'starting' | 'leader' | 'promoting' | 'follower' | 'stopped';

/** What the node needs of the lease (PostgresLease). */
export interface Lease {
  readonly held: boolean;
  tryAcquire(): Promise<boolean>;
  check(): Promise<boolean>;
  /** gives a held lease up (the node stays a candidate) */
  release(): Promise<void>;
  holder(): Promise<LeaseHolder | null>;
  close(): Promise<void>;
}

export interface LogNodeOptions {
  readonly mode: NodeMode;
  readonly nodeId: string;
  readonly url: () => string;
  /** a fresh sequencer over this node's index and the store (one per term as leader) */
  readonly newSequencer: () => Sequencer;
  /** runs once the sequencer verified the log, before writes are taken: the service events */
  readonly onLead: (sequencer: Sequencer) => Promise<void>;
  readonly follower?: LogFollower;
  readonly forwarder?: LeaderForwarder;
  readonly lease?: Lease;
  /** how often a follower tries the lease and refreshes who leads (default 250 ms) */
  readonly leaseRetryMs?: number;
  /** told when this node (auto) starts leading (`true`, writes taken) and when it steps down (`false`): the publishers follow it */
  readonly onLeading?: (leading: boolean) => void;
}

export interface NodeStatus {
  readonly id: string;
  readonly url: string;
  readonly mode: NodeMode;
  readonly role: NodeRole;
  readonly leader: { readonly id: string; readonly url: string; readonly since: string } | null;
  readonly lag?: FollowerLag;
  readonly forwarded?: number;
  readonly followerError?: string;
}

export class LogNode implements EntrySink {
  private readonly logger = new Logger('node');
  private seq: Sequencer | null = null;
  private mode: NodeRole = 'starting';
  private leaderCache: LeaseHolder | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  /** one role change at a time */
  private transition: Promise<void> = Promise.resolve();

  constructor(private readonly o: LogNodeOptions) {}

  get role(): NodeRole {
    return this.mode;
  }

  /** The sequencer while this node leads. */
  get sequencer(): Sequencer | null {
    return this.seq;
  }

  get size(): number {
    return this.seq?.size ?? this.o.follower?.state?.size ?? 0;
  }

  get queueLength(): number {
    return this.seq?.queueLength ?? this.o.forwarder?.queueLength ?? 0;
  }

  get lastCheckpoint(): Sequencer['lastCheckpoint'] {
    return this.seq ? this.seq.lastCheckpoint : (this.o.follower?.state?.lastCheckpoint ?? null);
  }

  /** Ready for writes: a leader whose sequencer runs, or a follower that follows and knows a leader. */
  status(): SequencerStatus {
    if (this.seq) return this.seq.status();
    const following = this.mode === 'follower' && this.o.follower?.running === true && !this.closing;
    return { state: following ? 'running' : this.mode === 'stopped' ? 'stopped' : 'starting', ready: following && this.leaderCache !== null };
  }

  async nodeStatus(): Promise<NodeStatus> {
    const leader = this.leaderCache && { id: this.leaderCache.nodeId, url: this.leaderCache.url, since: this.leaderCache.since.toISOString() };
    const base = { id: this.o.nodeId, url: this.o.url(), mode: this.o.mode, role: this.mode, leader };
    if (this.o.mode === 'single') return { ...base, leader: { id: this.o.nodeId, url: this.o.url(), since: '' } };
    const follower = this.o.follower!;
    const lag = this.seq ? { events: 0, ms: 0 } : await follower.lag().catch(() => undefined);
    return { ...base, ...(lag ? { lag } : {}), forwarded: this.o.forwarder?.forwarded ?? 0, ...(follower.error ? { followerError: follower.error } : {}) };
  }

  async start(): Promise<void> {
    if (this.o.mode === 'single') {
      await this.lead();
      return;
    }
    await this.o.follower!.start();
    this.mode = 'follower';
    this.logger.log(`node ${this.o.nodeId} (${this.o.mode}) follows the log at size ${this.size}`);
    await this.tick(); // a node alone on the store leads before it answers
    this.schedule();
  }

  submit(entry: AdmittedEntry): Promise<Registered> {
    if (this.seq && this.mode === 'leader') return this.seq.submit(entry);
    if (this.mode === 'follower' && this.o.forwarder) return this.o.forwarder.submit(entry);
    return Promise.reject(new SequencerError('ERR_SEQUENCER_NOT_LEADER', `this node is ${this.mode}; retry`, { retryAfterSeconds: 1 }));
  }

  isPending(entryId: string): boolean {
    return (this.seq?.isPending(entryId) ?? false) || (this.o.forwarder?.isPending(entryId) ?? false);
  }

  pendingEntryOf(statementId: string): string | undefined {
    return this.seq?.pendingEntryOf(statementId) ?? this.o.forwarder?.pendingEntryOf(statementId);
  }

  /** Read-your-writes on a follower: wait (at most `ms`) until the index holds what the store holds now. */
  async catchUpToStore(ms: number): Promise<void> {
    if (this.seq || !this.o.follower) return;
    await this.o.follower.catchUpToStore(ms).catch(() => false);
  }

  /** Stop taking writes, finish (leader) or stop following, give the lease up. */
  async drain(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    await this.transition;
    await this.seq?.drain();
    await this.o.follower?.stop();
    await this.o.lease?.close();
    this.mode = 'stopped';
  }

  /** The lease told us it is gone. */
  lost(why: string): void {
    this.transition = this.transition.then(() => this.stepDown(why));
  }

  private schedule(): void {
    if (this.closing) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.o.leaseRetryMs ?? 250);
  }

  /** One turn: try the lease (auto, not leading), refresh who leads, check a leader whose append conflicted. */
  private async tick(): Promise<void> {
    const lease = this.o.lease!;
    try {
      if (this.mode === 'leader' && this.seq?.status().failure?.code === 'ERR_SEQUENCER_OTHER_WRITER') await lease.check();
      if (this.o.mode === 'auto' && this.mode === 'follower' && !this.closing && (await lease.tryAcquire())) {
        this.transition = this.transition.then(() => this.promote());
        await this.transition;
      }
      if (this.mode === 'follower' && !this.o.follower!.running && !this.closing) await this.o.follower!.start();
      if (this.mode !== 'leader') this.leaderCache = await lease.holder();
    } catch (err) {
      this.logger.warn(`couldn't check the sequencer lease: ${messageOf(err)}`);
    }
  }

  /** The cached leader; `fresh` asks the store. */
  async leader(fresh: boolean): Promise<LeaseHolder | null> {
    if (fresh || !this.leaderCache) this.leaderCache = await this.o.lease!.holder();
    return this.leaderCache;
  }

  private async promote(): Promise<void> {
    if (this.closing || this.mode !== 'follower') return;
    if (!this.o.lease!.held) return;
    this.mode = 'promoting';
    const t0 = Date.now();
    await this.o.follower!.stop();
    try {
      await this.lead();
      this.leaderCache = { nodeId: this.o.nodeId, url: this.o.url(), since: new Date() };
      this.logger.log(`took the sequencer lease: node ${this.o.nodeId} leads log at size ${this.size} (reloaded and verified in ${Date.now() - t0} ms)`);
      this.o.onLeading?.(true);
    } catch (err) {
      this.logger.error(`couldn't lead after taking the sequencer lease (${messageOf(err)}); giving the lease up and following`);
      await this.seq?.stepDown('this node could not start leading').catch(() => undefined);
      this.seq = null;
      await this.o.lease!.release().catch(() => undefined); // another node may lead
      await this.o.follower!.start().catch((e: unknown) => this.logger.error(`couldn't follow the log: ${messageOf(e)}`));
      this.mode = 'follower';
    }
    if ((this.mode as NodeRole) === 'leader' && !this.o.lease!.held) await this.stepDown('the lease was lost while taking over');
  }

  private async lead(): Promise<void> {
    const seq = this.o.newSequencer();
    this.seq = seq;
    await seq.start();
    await this.o.onLead(seq);
    this.mode = 'leader';
  }

  private async stepDown(why: string): Promise<void> {
    if (this.closing || (this.mode !== 'leader' && this.mode !== 'promoting')) return;
    this.logger.error(`lost the sequencer lease (${why}): node ${this.o.nodeId} steps down — it takes no more writes itself, hands registrations to the new leader and follows the log`);
    this.mode = 'follower';
    this.leaderCache = null;
    this.o.onLeading?.(false);
    const seq = this.seq;
    this.seq = null;
    await seq?.stepDown(`node ${this.o.nodeId} no longer leads the log (${why}); retry`);
    try {
      await this.o.follower!.start();
    } catch (err) {
      this.logger.error(`couldn't follow the log after stepping down: ${messageOf(err)} (retried on the next turn)`);
    }
  }
}
