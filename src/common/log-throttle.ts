/**
 * Keeps a failure storm from flooding the log: the first report of a kind is written at once;
 * further reports of the same kind within the window are counted and summed up in one line when
 * the window ends (or on {@link LogThrottle.flush}). Kinds are caller-chosen strings
 * (e.g. `registry/repo ERR_CODE`).
 */
export class LogThrottle {
  private readonly kinds = new Map<string, { since: number; suppressed: number; summary: (n: number) => string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `line` if `kind` was not reported within the window; else counts it for `summary`. */
  report(kind: string, line: string, summary: (suppressed: number) => string): void {
    const k = this.kinds.get(kind);
    if (k && this.now() - k.since < this.windowMs) {
      k.suppressed++;
      k.summary = summary;
      this.schedule();
      return;
    }
    if (k && k.suppressed > 0) this.write(k.summary(k.suppressed));
    this.kinds.set(kind, { since: this.now(), suppressed: 0, summary });
    this.write(line);
  }

  /** Writes the summaries of windows that ended (all of them with `all`), and forgets those kinds. */
  flush(all = true): void {
    const now = this.now();
    for (const [kind, k] of this.kinds) {
      if (!all && now - k.since < this.windowMs) continue;
      if (k.suppressed > 0) this.write(k.summary(k.suppressed));
      this.kinds.delete(kind);
    }
    if (all && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush(false);
      if ([...this.kinds.values()].some((k) => k.suppressed > 0)) this.schedule();
    }, this.windowMs);
    this.timer.unref();
  }
}
