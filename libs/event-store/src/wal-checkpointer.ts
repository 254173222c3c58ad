/**
 * Background WAL checkpoints for SQLite files that a latency-sensitive thread writes.
 *
 * SQLite in WAL mode checkpoints automatically on the connection whose commit pushed the WAL past
 * `wal_autocheckpoint` pages: that commit then also copies the WAL into the database file and
 * fsyncs it, which was the tail of the sequencer's log-index writes (p99 ≈ 9 ms against a p50 of
 * 0.3 ms, docs/benchmarks.md). The checkpointer moves that work to its own thread: it opens its own
 * connection to each file and runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`. PASSIVE
 * never waits for or blocks writers and readers (it copies what no reader still needs), so the
 * writers keep committing meanwhile; give their connections a large `wal_autocheckpoint` as a
 * backstop in case this thread stops.
 *
 * Durability does not depend on it: committed transactions are in the WAL (fsynced per the
 * writer's `synchronous`); a checkpoint only moves them into the main file, with fsyncs, and a
 * crash at any point leaves a database SQLite recovers on open.
 */
import { Worker } from 'node:worker_threads';
import { RpcClient } from '../../threads/src/index.js';

export interface WalCheckpointerOptions {
  /** SQLite database files in WAL mode (they must exist; files opened with locking_mode=EXCLUSIVE can't be shared). */
  readonly paths: readonly string[];
  /** how often each file is checkpointed (default 500 ms) */
  readonly intervalMs?: number;
  /** called when a checkpoint fails or the thread stops unexpectedly (default: ignored; the writers' automatic checkpoints remain) */
  readonly onError?: (err: Error) => void;
  /** the thread's nice value (default 10; Linux nice values are per thread): checkpoints yield the CPU to the writers */
  readonly nice?: number;
}

export interface WalCheckpointStats {
  /** checkpoints run, per path */
  readonly runs: Record<string, number>;
  /** the WAL's length in frames at the last checkpoint, per path (it restarts from 0 once fully checkpointed) */
  readonly walFrames: Record<string, number>;
  /** checkpoints that could not finish every frame because a reader still needed them */
  readonly busy: Record<string, number>;
}

export interface WalCheckpointer {
  stats(): Promise<WalCheckpointStats>;
  /** Runs a last checkpoint, then stops the thread. */
  close(): Promise<void>;
}

/** The checkpointer thread's API (wal-checkpointer.worker.ts), over the worker-RPC helper. */
export type WalCheckpointerApi = {
  /** opens every file (rejects naming the one it can't) and starts the interval */
  start(): void;
  stats(): WalCheckpointStats;
  /** a last checkpoint, the files closed; the thread then ends */
  close(): void;
};
/** Pushed by the thread: a checkpoint failed (once per distinct failure). */
export interface WalCheckpointerPush {
  readonly failed: string;
}

/** Starts the checkpointer thread; resolves once it opened every file (rejects if it can't). */
export function startWalCheckpointer(opts: WalCheckpointerOptions): Promise<WalCheckpointer> {
  const intervalMs = opts.intervalMs ?? 500;
  if (!Number.isInteger(intervalMs) || intervalMs < 10) throw new RangeError(`the WAL checkpoint interval must be a whole number of ms ≥ 10 (got ${intervalMs})`);
  const worker = new Worker(new URL('./wal-checkpointer.worker.js', import.meta.url), { workerData: { paths: [...opts.paths], intervalMs, nice: opts.nice ?? 10 } });
  // referenced while the caller waits on it (start, stats, close); unreferenced otherwise, so it never keeps a process alive
  const rpc = new RpcClient<WalCheckpointerApi, WalCheckpointerPush>(worker, {
    unrefWhenIdle: true,
    onPush: (p) => opts.onError?.(new Error(p.failed)),
    gone: (cause) => new Error(`the WAL checkpointer stopped: ${(cause as Error)?.message ?? String(cause)}`, { cause }),
  });
  let started = false;
  let closing: Promise<void> | undefined;
  worker.on('error', (err) => started && opts.onError?.(err));
  worker.on('exit', (code) => {
    if (started && !closing) opts.onError?.(new Error(`the WAL checkpointer stopped (code ${code}); the writers' automatic checkpoints take over`));
  });
  return (async () => {
    try {
      await rpc.call('start', []);
    } catch (err) {
      worker.ref(); // an unreferenced worker's exit would not keep this process waiting for it
      await worker.terminate();
      throw err;
    }
    started = true;
    return {
      stats: () => rpc.call('stats', []),
      close: () =>
        (closing ??= (async () => {
          const exited = new Promise((r) => worker.once('exit', r));
          await rpc.call('close', []).catch(() => undefined);
          worker.ref(); // referenced until it ended (the helper unreferences an idle worker)
          await exited;
        })()),
    };
  })();
}
