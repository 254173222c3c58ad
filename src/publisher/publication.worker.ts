/**
 * Works the publication table: per-(target, registry, repository) lanes with bounded
 * concurrency, one subject's due publications attempted together (up to 32: their artifacts pushed
 * side by side and listed in the subject's referrers index by one update — with the tag schema the
 * index read-modify-write was most of an attempt's requests and serialised every claim about a
 * subject), capped exponential backoff with jitter per publication, and a per-registry pause
 * when a whole registry is down (network errors, 5xx, 429), so a failing registry costs one probe
 * per backoff period instead of one request per waiting entry — and never holds up other lanes.
 * Likewise a subject whose artifact is not there (yet) is held: its publications, and new ones
 * about it, wait together without an attempt (recorded as held, one statement per subject), and
 * one group probes it per backoff period — claims about artifacts that exist nowhere cost one
 * attempt per subject, not one per claim (measured: at 1,000 registrations/s about one subject the
 * attempts, failures and their rows took most of the processors' thread, ≈ 400 µs per registration).
 *
 * Commit points (what a crash leaves behind, how startup recovers):
 * 1. an attempt is running — nothing about it is stored (no "in flight" state): after a crash the
 *    row is still `pending`/`failed-retrying` and due, so startup simply attempts it again; the
 *    push is idempotent (same entry ⇒ same manifest digest; the index merge de-duplicates).
 * 2. the push succeeded, `markPublished` not yet committed — same as 1: the retry finds the
 *    referrer already listed and changes nothing, then marks the row published.
 * 3. the outcome recorded — the state is final / the next attempt time is stored. Outcomes are
 *    recorded in batches: the attempts finished since the last scheduling turn, in one transaction
 *    at the start of the next (`flush`), before due rows are read again — so a finished attempt is
 *    never launched twice, and a crash before the flush is case 1 or 2.
 * The per-registry pause lives in memory only: a restart probes every registry again at once.
 */
import { Logger } from '@nestjs/common';
import type { PublicationAttempts, PublishedArtifact, PublishFailure } from './publication.attempt.js';
import type { NewPublication, PublicationBook, PublicationOutcome, PublicationRecord } from './publication.store.js';
import { describeError, isRegistryOutage } from './publisher.errors.js';
import { SUBJECT_MISSING, SubjectHolds, subjectKey } from './subject-holds.js';

/**
 * The delay before attempt `failures + 1`: `min · 2^(failures−1)` capped at `max`, with "equal
 * jitter" (half fixed, half random) so that entries failing together spread out.
 * @example retryDelay(1, { minMs: 1000, maxMs: 300_000 }, () => 0.5) // 750
 */
export function retryDelay(failures: number, retry: { minMs: number; maxMs: number }, random: () => number): number {
  const exp = Math.min(Math.max(failures - 1, 0), 40);
  const base = Math.min(retry.maxMs, retry.minMs * 2 ** exp);
  return Math.round(base / 2 + (random() * base) / 2);
}

/** A registry considered down until `until` (ms). */
export interface RegistryPause {
  readonly registry: string;
  readonly until: number;
  readonly failures: number;
  readonly error: string;
}

export interface PublicationWorkerOptions {
  /** the work list: SQLite (one node) or PostgreSQL (several nodes); every answer is awaited */
  readonly store: PublicationBook;
  /** `publishMany` when there: one subject's due publications attempted together */
  readonly attempts: Pick<PublicationAttempts, 'publish'> & Partial<Pick<PublicationAttempts, 'publishMany'>>;
  readonly concurrency: number;
  readonly repositoryConcurrency: number;
  readonly retry: { readonly minMs: number; readonly maxMs: number };
  readonly now?: () => number;
  readonly random?: () => number;
  /** told about every failed attempt (after it is recorded) */
  readonly onFailure?: (rec: PublicationRecord, err: unknown) => void;
  /** told about every successful attempt (after it is recorded) */
  readonly onPublished?: (rec: PublicationRecord) => void;
  /** subjects that arrived since the previous call (publication.attempt.ts `layoutArrivals`) */
  readonly arrivals?: () => Promise<string[]>;
  /** told when a registry is paused or resumed (a pause also ends by itself at its `until`) */
  readonly onPausesChanged?: (pauses: RegistryPause[]) => void;
}

const MAX_TIMER_MS = 60_000;
/** how often subjects that arrived are looked for while publications wait (`arrivals`: a stat of the layout's index) */
const ARRIVALS_EVERY_MS = 1000;
/** most publications of one subject attempted together (one referrers-index update) */
const MAX_GROUP = 32;
const hostOfLane = (lane: string): string => lane.slice(lane.indexOf(':') + 1, lane.indexOf('/'));

export class PublicationWorker {
  private readonly inFlight = new Map<string, Promise<void>>();
  /** entries whose outcome waits in {@link outcomes} */
  private readonly unrecorded = new Set<string>();
  /** groups attempted per lane */
  private readonly laneActive = new Map<string, number>();
  private activeGroups = 0;
  private readonly paused = new Map<string, RegistryPause>();
  /** registries whose pause ended and whose single probe attempt is running */
  private readonly probing = new Set<string>();
  /** subjects whose artifact was not found (subject-holds.ts) */
  private readonly subjects: SubjectHolds;
  /** when the last look for subjects arrived in the layout was taken (ms) */
  private arrivalsAt = 0;
  private arrivalsFailing = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly logger = new Logger('oci-publisher');
  private timer: ReturnType<typeof setTimeout> | undefined;
  private kicked = false;
  private stopped = false;
  /** a tick is running (its store calls may be asynchronous): a kick meanwhile runs one more after it */
  private ticking = false;
  private again = false;
  /** attempts finished since start */
  attemptsMade = 0;
  /** finished attempts not yet recorded, with what to tell once they are */
  private outcomes: { outcome: PublicationOutcome; tell: () => void }[] = [];

  constructor(private readonly o: PublicationWorkerOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    // Not in the layout, the only place this service may look: it arrives only when copied in
    // (layoutArrivals releases it then), so it waits the longest backoff at once.
    this.subjects = new SubjectHolds((failures, code) => (code === 'ERR_PUBLISH_SUBJECT_UNKNOWN' ? o.retry.maxMs : retryDelay(failures, o.retry, this.random)));
  }

  /** Number of attempts running. */
  get running(): number {
    return this.inFlight.size;
  }

  /** Registries paused after an outage (for health and the status endpoint). */
  pauses(): RegistryPause[] {
    const now = this.now();
    return [...this.paused.values()].filter((p) => p.until > now);
  }

  pauseOf(registry: string): RegistryPause | undefined {
    const p = this.paused.get(registry);
    return p && p.until > this.now() ? p : undefined;
  }

  /**
   * A new publication as the processor records it: held with its subject while the subject is
   * held (its artifact was not found lately), so that it costs no attempt; as it is otherwise.
   */
  holdOf(row: NewPublication): NewPublication {
    return this.subjects.holdOf(row, this.now());
  }

  /** Looks for due work soon (new rows were recorded, or an attempt finished). Coalesced. */
  kick(): void {
    if (this.stopped || this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.tick();
    });
  }

  /** Stops scheduling and waits for the attempts in flight (the caller aborts their requests). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight.values()]);
    await this.flush();
  }

  /** Records the finished attempts' outcomes in one transaction, then tells the listeners. */
  private async flush(): Promise<void> {
    const done = this.outcomes;
    const releases = this.subjects.takeFound();
    if (done.length === 0 && releases.length === 0) return;
    this.outcomes = [];
    try {
      await this.o.store.record(done.map((d) => d.outcome));
      const now = this.now();
      if (releases.length > 0) await this.o.store.releaseSubjects(releases, now);
    } catch (err) {
      // the rows stay due (or held until their subject's next probe): attempted again (idempotent)
      this.logger.error(`couldn't record ${done.length} publication outcomes: ${(err as Error).message}`);
    }
    for (const d of done) {
      this.unrecorded.delete(d.outcome.entryId);
      this.inFlight.delete(d.outcome.entryId);
      d.tell();
    }
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.schedule().finally(() => {
      this.ticking = false;
      if (this.again) {
        this.again = false;
        this.tick();
      }
    });
  }

  private async schedule(): Promise<void> {
    await this.flush();
    if (this.stopped) return;
    const now = this.now();
    try {
      await this.releaseArrived(now);
      for (const lane of await this.o.store.dueLanes(now)) {
        if (this.stopped) return;
        const room = this.o.concurrency - this.activeGroups;
        if (room <= 0) break;
        const host = hostOfLane(lane);
        if (this.pauseOf(host)) continue;
        // After a pause ends, one probe goes first; the rest wait for its outcome.
        const halfOpen = this.paused.has(host);
        if (halfOpen && this.probing.has(host)) continue;
        const active = this.laneActive.get(lane) ?? 0;
        const free = halfOpen ? 1 : Math.min(this.o.repositoryConcurrency - active, room);
        if (free <= 0) continue;
        if (halfOpen) this.probing.add(host);
        // in-flight rows are still due in the table: read past them
        const rows = (await this.o.store.dueInLane(lane, now, (free + active) * MAX_GROUP)).filter((r) => !this.inFlight.has(r.entryId));
        // rows of a held subject wait with it (one statement per subject), of a probed one for the probe
        const { ready, hold } = this.subjects.sortOut(rows, now);
        for (const h of hold) await this.o.store.holdSubject(h, h, now);
        if (this.stopped) return; // stopped while the store answered: no new attempt
        for (const [key, group] of [...bySubject(ready, halfOpen ? 1 : MAX_GROUP)].slice(0, free)) {
          this.subjects.launching(key);
          this.launch(lane, group);
        }
      }
      await this.arm(now);
    } catch (err) {
      if (this.stopped) return; // the store closed under a stopped worker
      // The work list (SQLite file or PostgreSQL table) failed: try again later rather than stop for good.
      this.logger.error(`couldn't schedule publications: ${(err as Error).message}`);
      this.setTimer(this.o.retry.minMs);
    }
  }

  /**
   * At most once per second: subjects that arrived where they are looked up (the embedded
   * layout, `arrivals`) release the publications waiting for them — held or failed ones alike, so
   * that copying an artifact in publishes its claims at once rather than at their next attempt.
   */
  private async releaseArrived(now: number): Promise<void> {
    if (!this.o.arrivals || now - this.arrivalsAt < ARRIVALS_EVERY_MS) return;
    this.arrivalsAt = now;
    let arrived: Set<string>;
    try {
      arrived = new Set(await this.o.arrivals());
      this.arrivalsFailing = false;
    } catch (err) {
      // the rows still come due at their own time: log once per failing spell, schedule on
      if (!this.arrivalsFailing) this.logger.warn(`couldn't look for subjects arrived in the OCI layout (publications wait for their next attempt instead): ${(err as Error).message}`);
      this.arrivalsFailing = true;
      return;
    }
    if (arrived.size === 0) return;
    this.subjects.arrived(arrived);
    await this.o.store.releaseSubjects([...arrived], now);
  }

  /** Sleeps until the next row becomes due or a registry pause ends. */
  private async arm(now: number): Promise<void> {
    let next = await this.o.store.nextAttemptAfter(now);
    if (this.stopped) return;
    // publications wait: look for their subjects' arrival meanwhile
    if (next !== undefined && this.o.arrivals) next = Math.min(next, now + ARRIVALS_EVERY_MS);
    for (const p of this.paused.values()) if (p.until > now && (next === undefined || p.until < next)) next = p.until;
    if (next !== undefined) this.setTimer(next - now);
  }

  private setTimer(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, Math.max(1, Math.min(ms, MAX_TIMER_MS)));
    this.timer.unref();
  }

  /** Attempts a group of one subject's publications together (one referrers-index update). */
  private launch(lane: string, group: readonly PublicationRecord[]): void {
    this.laneActive.set(lane, (this.laneActive.get(lane) ?? 0) + 1);
    this.activeGroups++;
    const p = this.attempt(group).finally(() => {
      // a settled publication stays "in flight" until its outcome is recorded (flush): until then
      // its row is still due in the table, and a scheduling turn reading it (the PostgreSQL work
      // list answers asynchronously) must not attempt it again
      for (const rec of group) if (!this.unrecorded.has(rec.entryId)) this.inFlight.delete(rec.entryId);
      this.activeGroups--;
      const n = (this.laneActive.get(lane) ?? 1) - 1;
      if (n > 0) this.laneActive.set(lane, n);
      else this.laneActive.delete(lane);
      this.kick();
    });
    for (const rec of group) this.inFlight.set(rec.entryId, p);
  }

  private unpause(registry: string): void {
    if (this.paused.delete(registry)) this.o.onPausesChanged?.(this.pauses());
  }

  private async attempt(group: readonly PublicationRecord[]): Promise<void> {
    const registry = group[0]!.registry;
    const probe = this.probing.has(registry);
    const subject = subjectKey(group[0]!);
    try {
      if (this.o.attempts.publishMany) {
        const results = await this.o.attempts.publishMany(group).catch((err: unknown) => group.map(() => err));
        results.forEach((r, i) => this.settle(group[i]!, r));
        this.attemptsMade += group.length;
        return;
      }
      // one at a time; an outage or a missing subject ends the group (the rest stay due, untried)
      for (const rec of group) {
        const r = await this.o.attempts.publish(rec).catch((err: unknown) => err);
        this.settle(rec, r);
        this.attemptsMade++;
        const cause = isPublished(r) ? undefined : ((r as PublishFailure).cause ?? r);
        if (cause !== undefined && (isRegistryOutage(cause) || SUBJECT_MISSING.has(describeError(cause).code))) break;
      }
    } finally {
      if (probe) this.probing.delete(registry);
      this.subjects.settled(subject);
    }
  }

  /** Records one publication's outcome (at the next flush) and adjusts its registry's pause. */
  private settle(rec: PublicationRecord, result: PublishedArtifact | unknown): void {
    if (isPublished(result)) {
      const r = result;
      this.unrecorded.add(rec.entryId);
      this.outcomes.push({ outcome: { entryId: rec.entryId, logIndex: rec.logIndex, at: this.now(), published: { digest: r.digest, via: r.via } }, tell: () => this.o.onPublished?.(rec) }); // commit point 3 at the next flush
      this.unpause(rec.registry);
      // its artifact is there now: the publications held with the subject are due
      this.subjects.published(rec);
      return;
    }
    if (this.stopped) return; // aborted by shutdown: not a failure, the row stays due
    const failure = result as PublishFailure;
    const cause = failure.cause ?? result;
    const now = this.now();
    const { code, message } = describeError(cause);
    // A missing subject holds every publication about it: they wait for its next probe together.
    const nextAttemptAt = SUBJECT_MISSING.has(code) ? this.subjects.missing(rec, code, message, now).until : now + retryDelay(rec.attempts + 1, this.o.retry, this.random);
    const failed = { error: message, code, nextAttemptAt, ...(failure.digest ? { digest: failure.digest } : {}) };
    this.unrecorded.add(rec.entryId);
    this.outcomes.push({ outcome: { entryId: rec.entryId, logIndex: rec.logIndex, at: now, failed }, tell: () => this.o.onFailure?.(rec, cause) });
    // Attempts that were already running when the registry went down fail together: only a
    // failure after the pause ended (a probe) lengthens it.
    if (isRegistryOutage(cause) && !this.pauseOf(rec.registry)) {
      const failures = (this.paused.get(rec.registry)?.failures ?? 0) + 1;
      const until = now + retryDelay(failures, this.o.retry, this.random);
      this.paused.set(rec.registry, { registry: rec.registry, until, failures, error: `${code}: ${message}` });
      this.o.onPausesChanged?.(this.pauses());
    } else if (!isRegistryOutage(cause)) {
      this.unpause(rec.registry); // the registry answered: it is up (this entry has its own problem)
    }
  }
}

const isPublished = (r: unknown): r is PublishedArtifact => typeof r === 'object' && r !== null && !(r instanceof Error) && typeof (r as PublishedArtifact).digest === 'string';

/** Due rows grouped by subject ({@link subjectKey}), at most `max` per group, in order. */
function bySubject(rows: readonly PublicationRecord[], max: number): Map<string, PublicationRecord[]> {
  const groups = new Map<string, PublicationRecord[]>();
  for (const r of rows) {
    const key = subjectKey(r);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    if (g.length < max) g.push(r);
  }
  return groups;
}
