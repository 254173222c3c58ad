/**
 * A checkpointed processor: subscribes to `$all` after its stored checkpoint and hands events to
 * `handle` in batches, at least once, in order, never skipping one.
 *
 * Commit points (what a crash at each step leaves, and how a restart recovers):
 * 1. `handle(batch)` running — nothing saved; the restart re-delivers the whole batch.
 * 2. `handle` resolved, checkpoint not yet saved — the restart re-delivers the batch again:
 *    handlers must be idempotent (at-least-once).
 * 3. checkpoint saved — the restart continues after the batch's last position.
 */
import type { CheckpointStore } from './checkpoint.store.js';
import type { EventStore, RecordedEvent, SubscriptionFilter } from './event-store.port.js';

export interface RunProcessorOptions {
  store: EventStore;
  checkpoints: CheckpointStore;
  /** The processor's name: its checkpoint key. Keep it stable (e.g. `projection:claims:v1`). */
  name: string;
  filter?: SubscriptionFilter;
  /** Handles one batch; must be idempotent. A rejection is retried with backoff, forever, until abort. */
  handle: (events: RecordedEvent[]) => Promise<void>;
  /** Most events per batch (default 100). */
  batchSize?: number;
  /**
   * Most event data bytes per batch (default 4 MiB; a batch holds at least one event): a batch of
   * many large events would otherwise hold the processor's thread, and its one transaction, for seconds.
   */
  maxBatchBytes?: number;
  /**
   * How long, from the batch's first event, to wait for more before handing over a partial batch
   * (default 5 ms) — only while events keep coming: when the last batch ended less than a linger
   * before this one's first event. After a quiet spell a batch takes what the store holds and goes.
   */
  lingerMs?: number;
  /** Stops the processor: the batch in progress is abandoned without saving its checkpoint. */
  signal?: AbortSignal;
  /** Told about every failure (of `handle`, the subscription or the checkpoint store) before the retry. */
  onError?: (err: unknown, info: ProcessorErrorInfo) => void;
  /** Backoff: starts at `initialDelayMs` (default 100), doubles, capped at `maxDelayMs` (default 30 000). */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
}

export interface ProcessorErrorInfo {
  readonly processor: string;
  /** 1 for the first failure of this batch (or subscription attempt), then 2, 3 … */
  readonly attempt: number;
  readonly delayMs: number;
  /** The batch that failed; empty when the subscription or checkpoint store failed. */
  readonly events: readonly RecordedEvent[];
}

/** A running processor, for health checks and shutdown. */
export interface ProcessorHandle {
  readonly name: string;
  /** The last checkpointed position (undefined before the first save and before loading). */
  readonly position: bigint | undefined;
  readonly running: boolean;
  /** Consecutive failures of the current batch (0 when healthy). */
  readonly failures: number;
  /** Events handled (and checkpointed) since start. */
  readonly handled: number;
  /**
   * Events after {@link position} this processor will be handed (its filter applied): 0n when caught
   * up. Counted by reading the store, up to {@link LAG_SCAN_LIMIT} events: beyond that the count is
   * a lower bound. (Not the head position minus ours: events the filter leaves out never move the
   * checkpoint, and KurrentDB positions are byte offsets, not counts.)
   */
  lag(): Promise<bigint>;
  /** Resolves when the processor stopped (after abort, `stop()`, or the store closing). */
  readonly done: Promise<void>;
  /** Aborts and waits for {@link done}. */
  stop(): Promise<void>;
}

const TIMEOUT = Symbol('timeout');

/**
 * Starts a processor; see the module comment for its guarantees.
 *
 * @example
 * ```ts
 * const p = runProcessor({ store, checkpoints, name: 'projection:claims:v1',
 *   filter: { streamPrefixes: ['log-'] }, handle: async (events) => projection.apply(events) });
 * // … on shutdown:
 * await p.stop();
 * ```
 */
export function runProcessor(opts: RunProcessorOptions): ProcessorHandle {
  const { store, checkpoints, name } = opts;
  const batchSize = opts.batchSize ?? 100;
  const lingerMs = opts.lingerMs ?? 5;
  const maxBatchBytes = opts.maxBatchBytes ?? 4 * 1024 * 1024;
  const initialDelay = opts.retry?.initialDelayMs ?? 100;
  const maxDelay = opts.retry?.maxDelayMs ?? 30_000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`couldn't start processor ${name}: batchSize must be a positive integer`);
  const stopper = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stopper.signal]) : stopper.signal;
  const state = { position: undefined as bigint | undefined, running: true, failures: 0, handled: 0 };
  /** the last count of {@link ProcessorHandle.lag} while behind, and when it was taken */
  let lagCount: { readonly at: number; readonly value: bigint; readonly handled: number } | undefined;

  const report = (err: unknown, attempt: number, events: readonly RecordedEvent[]): number => {
    const delayMs = Math.min(maxDelay, initialDelay * 2 ** Math.min(attempt - 1, 30));
    try {
      opts.onError?.(err, { processor: name, attempt, delayMs, events });
    } catch {
      // a failing error callback must not stop the processor
    }
    return delayMs;
  };

  /** Hands one batch over until it succeeds; false when aborted first. */
  const handleUntilDone = async (batch: RecordedEvent[]): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return false;
      try {
        await opts.handle(batch);
        state.failures = 0;
        return !signal.aborted;
      } catch (err) {
        state.failures = attempt;
        if (!(await sleep(report(err, attempt, batch), signal))) return false;
      }
    }
  };

  /** when the last batch was handed over (`performance.now()`): the linger applies while events keep coming */
  let lastBatchAt = -Infinity;
  /** One subscription's life; returns true when the store ended it (closed), false on abort. */
  const runOnce = async (): Promise<boolean> => {
    const after = await checkpoints.load(name);
    state.position = after;
    const sub = store.subscribeToAll({ after, filter: opts.filter });
    const onAbort = (): void => void sub.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const it = sub[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    try {
      for (;;) {
        const first = await (pending ?? it.next());
        pending = undefined;
        if (first.done) return !signal.aborted;
        const batch = [first.value];
        let ended = false;
        // the linger counts from the batch's first event (as Kafka's linger.ms): a steady stream
        // must not hold a batch open until it is full. It applies only while events keep coming
        // (as the sequencer's group commit, src/log/sequencer.queue.ts): a lone event after a quiet
        // spell has nothing to wait for — it goes with what the store already holds.
        const busy = performance.now() - lastBatchAt < lingerMs;
        const deadline = Date.now() + (busy ? lingerMs : 0);
        let bytes = first.value.data.byteLength;
        while (batch.length < batchSize && bytes < maxBatchBytes) {
          pending = it.next();
          const r = await raceTimeout(pending, Math.max(0, deadline - Date.now()));
          if (r === TIMEOUT) break;
          pending = undefined;
          if (r.done) {
            ended = true;
            break;
          }
          batch.push(r.value);
          bytes += r.value.data.byteLength;
        }
        lastBatchAt = performance.now();
        if (!(await handleUntilDone(batch))) return false;
        const last = batch[batch.length - 1]!.position;
        await checkpoints.save(name, last); // commit point 3
        state.position = last;
        state.handled += batch.length;
        if (ended) return !signal.aborted;
        // Yield to the event loop between batches. With a synchronous store (SQLite) a catch-up
        // resolves every await above as a microtask, so without this the thread never reaches its
        // event loop until caught up: no timer, no message (a status or stop request) is handled —
        // measured at 10⁶ events behind: status unanswered, shutdown waiting for the whole catch-up.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await sub.close();
      if (pending) await pending.catch(() => undefined);
    }
  };

  const done = (async () => {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        if (await runOnce()) break;
        attempt = 0;
      } catch (err) {
        state.failures = attempt;
        if (!(await sleep(report(err, attempt, []), signal))) break;
      }
    }
    state.running = false;
  })();

  return {
    name,
    get position() {
      return state.position;
    },
    get running() {
      return state.running;
    },
    get failures() {
      return state.failures;
    },
    get handled() {
      return state.handled;
    },
    async lag() {
      const after = state.position;
      if (after !== undefined && after >= (await store.headPosition())) return 0n;
      // Counting reads up to LAG_SCAN_LIMIT events: while behind, one count per 5 s serves every
      // asker, less what was handled since (health checks, metric scrapes and their pollers would
      // otherwise make a catch-up read the store many times over — measured: polled every 25 ms,
      // 5× the catch-up's CPU). Events appended meanwhile show at the next count.
      const now = Date.now();
      // A count that reached LAG_SCAN_LIMIT is a lower bound: once what was handled since uses it up,
      // count again rather than answer 0 while behind (the head check above said we are).
      if (lagCount && now - lagCount.at < LAG_COUNT_TTL_MS) {
        const left = lagCount.value - BigInt(state.handled - lagCount.handled);
        if (left > 0n) return left;
      }
      const value = await countMatching(store, after, opts.filter);
      lagCount = { at: now, value, handled: state.handled };
      return value;
    },
    done,
    async stop() {
      stopper.abort();
      await done;
    },
  };
}

/** How many events {@link ProcessorHandle.lag} reads at most to count the backlog. */
export const LAG_SCAN_LIMIT = 10_000;
/** how long a count of the events behind is reused (being caught up is known at once: head ≤ position) */
const LAG_COUNT_TTL_MS = 5000;

const matches = (e: RecordedEvent, filter: SubscriptionFilter | undefined): boolean =>
  (!filter?.streamPrefixes || filter.streamPrefixes.some((p) => e.stream.startsWith(p))) && (!filter?.types || filter.types.includes(e.type));

/** Events after `after` that pass `filter`, reading at most {@link LAG_SCAN_LIMIT} events. */
async function countMatching(store: EventStore, after: bigint | undefined, filter: SubscriptionFilter | undefined): Promise<bigint> {
  let n = 0n;
  let read = 0;
  let from = after;
  while (read < LAG_SCAN_LIMIT) {
    const page = await store.readAll({ ...(from !== undefined ? { after: from } : {}), maxCount: Math.min(1000, LAG_SCAN_LIMIT - read) });
    if (page.length === 0) break;
    for (const e of page) if (matches(e, filter)) n++;
    read += page.length;
    from = page[page.length - 1]!.position;
  }
  return n;
}

function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Waits `ms`; false when `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
