/**
 * The sequencer's failure bookkeeping, apart from its loop (sequencer.ts): which failure it is
 * recovering from, since when, how many attempts, when the next one runs (exponential back-off
 * from `retryMinMs`, doubling up to `retryMaxMs`), and what a refused client hears meanwhile.
 */
import type { Failure, SequencerOptions, SequencerStatus } from './sequencer.contract.js';
import { SequencerError } from './sequencer.errors.js';

export class RecoveryBackoff {
  /** the failure being recovered from; null while the log runs */
  failure: Failure | null = null;
  /** failures since the last durable append: the back-off's exponent */
  private recentFailures = 0;

  constructor(
    private readonly o: Pick<SequencerOptions, 'retryMinMs' | 'retryMaxMs'>,
    private readonly clock: () => Date,
  ) {}

  /** Records a failure; returns the delay in ms before the next recovery attempt. */
  fail(error: SequencerError): number {
    this.recentFailures++;
    const min = this.o.retryMinMs ?? 250;
    const delay = Math.min(this.o.retryMaxMs ?? 30_000, min * 2 ** Math.min(this.recentFailures - 1, 20));
    const attempts = (this.failure?.attempts ?? 0) + 1;
    this.failure = { error, since: this.failure?.since ?? this.clock(), attempts, nextAttemptAt: Date.now() + delay };
    return delay;
  }

  /** An append was durable: the next failure backs off from the start again. */
  succeeded(): void {
    this.recentFailures = 0;
  }

  /** Recovery succeeded: returns the failure it ended. */
  resumed(): Failure {
    const f = this.failure!;
    this.failure = null;
    return f;
  }

  /** ms until the next recovery attempt (≤ 0: due). */
  untilNextAttempt(): number {
    return this.failure!.nextAttemptAt - Date.now();
  }

  /** What a client hears while the log is recovering: the failure, retryable after the next attempt. */
  refusal(): SequencerError {
    const f = this.failure;
    if (!f) return new SequencerError('ERR_SEQUENCER_APPEND_FAILED', "couldn't make the statement durable; retry");
    const seconds = Math.max(1, Math.ceil((f.nextAttemptAt - Date.now()) / 1000));
    return new SequencerError(f.error.code, `${f.error.message}; retry in ${seconds} s (registration is idempotent)`, { cause: f.error, retryAfterSeconds: seconds });
  }

  /** The failure as /health/details shows it. */
  status(): SequencerStatus['failure'] {
    const f = this.failure;
    return f ? { code: f.error.code, message: f.error.message, since: f.since.toISOString(), attempts: f.attempts, nextAttemptAt: new Date(f.nextAttemptAt).toISOString() } : undefined;
  }
}

/** The loop's wake-up signal: `idle()` waits for `wake()` (a submit, a service job, a close) or `ms`. */
export class WakeSignal {
  private wakeUp: (() => void) | null = null;

  idle(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }
}
