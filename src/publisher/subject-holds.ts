/**
 * The publisher's held subjects (publication.worker.ts, docs/oci.md "Missing subjects are held"):
 * a subject whose artifact was not found holds every publication about it — they wait together
 * without an attempt, one group probes it when the hold ends, and its finding (a published probe, or
 * its arrival in the layout) makes them all due. In memory: a restart probes each subject again once.
 */
import { laneOf, type NewPublication, type PublicationRecord, type SubjectHold, type SubjectRef } from './publication.store.js';

/** failures meaning the subject's artifact is not there: every claim about it would fail alike */
export const SUBJECT_MISSING: ReadonlySet<string> = new Set(['ERR_PUBLISH_SUBJECT_UNKNOWN', 'ERR_PUBLISH_SUBJECT_NOT_FOUND']);

/** A subject: its lane (target, registry, repository) and its digest. */
export const subjectKey = (r: Pick<NewPublication, 'targetKind' | 'registry' | 'repository' | 'subjectDigest'>): string => `${laneOf(r)}@${r.subjectDigest}`;

/** a held subject, with the failures that held it in a row */
export interface HeldSubject extends SubjectRef, SubjectHold {
  readonly failures: number;
}

/** held subjects remembered (the oldest forgotten first: it is probed again sooner, nothing else) */
const MAX_HELD_SUBJECTS = 65_536;

export class SubjectHolds {
  /** by {@link subjectKey}, most recently held last */
  private readonly held = new Map<string, HeldSubject>();
  /** held subjects whose hold ended and whose probe group is running */
  private readonly probing = new Set<string>();
  /** digests of subjects found again: their held publications are due at the next flush */
  private found: string[] = [];

  /** `delay`: how long a subject is held after its `failures`-th failure in a row with `code` */
  constructor(private readonly delay: (failures: number, code: string) => number) {}

  /** The hold of a subject, while it lasts. */
  heldNow(key: string, now: number): HeldSubject | undefined {
    const h = this.held.get(key);
    return h && h.until > now ? h : undefined;
  }

  /** A new publication as recorded: held with its subject while the subject is held. */
  holdOf(row: NewPublication, now: number): NewPublication {
    const h = this.heldNow(subjectKey(row), now);
    return h ? { ...row, held: { until: h.until, error: h.error, code: h.code } } : row;
  }

  /**
   * Due rows sorted out: those of a held subject wait with it (`hold`: one store statement per
   * subject), those of a subject being probed wait for the probe; `ready` are attempted.
   */
  sortOut(rows: readonly PublicationRecord[], now: number): { ready: PublicationRecord[]; hold: HeldSubject[] } {
    const ready: PublicationRecord[] = [];
    const hold = new Map<string, HeldSubject>();
    for (const r of rows) {
      const key = subjectKey(r);
      if (this.probing.has(key)) continue;
      const h = this.heldNow(key, now);
      if (h) hold.set(key, h);
      else ready.push(r);
    }
    return { ready, hold: [...hold.values()] };
  }

  /** A group of the subject is launched: if its hold ended, the group probes it. */
  launching(key: string): void {
    if (this.held.has(key)) this.probing.add(key);
  }

  /** The subject's group finished. */
  settled(key: string): void {
    this.probing.delete(key);
  }

  /** A publication failed because its artifact was not found: holds its subject (unless it is held already). */
  missing(rec: PublicationRecord, code: string, error: string, now: number): HeldSubject {
    const key = subjectKey(rec);
    const current = this.heldNow(key, now);
    if (current) return current;
    const failures = (this.held.get(key)?.failures ?? 0) + 1;
    const h: HeldSubject = { lane: laneOf(rec), subjectDigest: rec.subjectDigest, until: now + this.delay(failures, code), error, code, failures };
    this.held.delete(key);
    this.held.set(key, h);
    if (this.held.size > MAX_HELD_SUBJECTS) this.held.delete(this.held.keys().next().value!);
    return h;
  }

  /** A publication of the subject was published: its artifact is there, the rows held with it are due. */
  published(rec: PublicationRecord): void {
    if (this.held.delete(subjectKey(rec))) this.found.push(rec.subjectDigest);
  }

  /** Subjects arrived where they are looked up: their holds end (the caller releases their rows). */
  arrived(digests: ReadonlySet<string>): void {
    for (const [key, h] of this.held) if (digests.has(h.subjectDigest)) this.held.delete(key);
  }

  /** The digests found since the last call, to release. */
  takeFound(): string[] {
    const found = this.found;
    this.found = [];
    return found;
  }
}
