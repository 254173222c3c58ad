/** How {@link until} polls. */
export interface UntilOptions {
  /** give up after this long (default 30 s) */
  readonly ms?: number;
  /** look again after this long (default 100 ms) */
  readonly everyMs?: number;
  /** an error thrown by the check means "not yet" (the last one is in the timeout's message); default: it fails at once */
  readonly retryErrors?: boolean;
}

/** Polls `check` until it returns something other than `undefined`, and returns that; throws past `ms`. */
export async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, o: UntilOptions = {}): Promise<T> {
  const { ms = 30_000, everyMs = 100, retryErrors = false } = o;
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      if (!retryErrors) throw err;
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
