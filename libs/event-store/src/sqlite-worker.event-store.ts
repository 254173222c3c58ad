/**
 * The embedded SQLite store with its connection in a worker thread (what `openSqliteEventStore`
 * opens by default, sqlite.factory.ts): the worker (sqlite.worker.ts) runs the engine
 * (sqlite.event-store.ts), so: same file format, same guarantees, same contract suite. The main thread only
 * posts messages, so a slow fsync delays the append's promise but never the event loop.
 */
import { Worker } from 'node:worker_threads';
import { RpcClient, type RpcArgs, type RpcResult } from '../../threads/src/index.js';
import { EventStoreError } from './event-store.errors.js';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeToAllOptions, Subscription } from './event-store.port.js';
import { DEFAULT_MAX_EVENT_BYTES, checkAfter, planReadStream, validateAppend } from './event-validation.js';
import { ChangeSignal, PagedSubscription, type PagedSubscriptionOptions } from './paged.subscription.js';
import { reviveStoreError, type SqliteWorkerApi, type SqliteWorkerData } from './sqlite.worker-protocol.js';

const READ_CHUNK = 512;

export interface SqliteWorkerOptions extends PagedSubscriptionOptions {
  path: string;
  maxEventBytes?: number;
  autoCheckpointPages?: number;
}

/** Starts the worker and opens the database in it. */
export async function openSqliteWorkerEventStore(opts: SqliteWorkerOptions): Promise<EventStore> {
  const data: SqliteWorkerData = { path: opts.path, maxEventBytes: opts.maxEventBytes, autoCheckpointPages: opts.autoCheckpointPages };
  const worker = startWorker(new URL('./sqlite.worker.js', import.meta.url), data);
  const store = new SqliteWorkerEventStore(worker, opts);
  try {
    await store.headPosition();
  } catch (err) {
    worker.ref(); // unreferenced, its exit would not keep this process waiting for it
    await worker.terminate();
    throw err;
  }
  return store;
}

/**
 * The worker with the parent's Node flags (--cpu-prof, --enable-source-maps, loaders …) minus those
 * that only make sense for an entry point given on the command line (--eval, --test …). V8 flags
 * (--max-old-space-size …) are process-wide and a worker refuses them in its own execArgv: Node
 * names the refused ones, and they are dropped (they apply to this thread anyway).
 */
function startWorker(url: URL, workerData: unknown): Worker {
  let execArgv = process.execArgv.filter((a) => !/^--(input-type|eval|print|test)\b|^-[ep]$/.test(a));
  for (let attempt = 0; ; attempt++) {
    try {
      return new Worker(url, { workerData, execArgv });
    } catch (err) {
      const m = /invalid execArgv flags: (.*)$/.exec((err as Error).message);
      if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || !m || attempt > 0) throw err;
      const refused = new Set(m[1]!.split(/,\s*/));
      execArgv = execArgv.filter((a) => !refused.has(a));
    }
  }
}

/** event bytes handed to the worker (transferred) rather than copied from this size up */
const TRANSFER_MIN_BYTES = 64 * 1024;

class SqliteWorkerEventStore implements EventStore {
  readonly #worker: Worker;
  readonly #opts: SqliteWorkerOptions;
  readonly #rpc: RpcClient<SqliteWorkerApi>;
  readonly #changes = new ChangeSignal();
  readonly #subs = new Set<PagedSubscription>();
  #closed = false;

  constructor(worker: Worker, opts: SqliteWorkerOptions) {
    this.#worker = worker;
    this.#opts = opts;
    this.#rpc = new RpcClient<SqliteWorkerApi>(worker, {
      reviveError: reviveStoreError,
      unrefWhenIdle: true, // an idle store never keeps the process alive
      gone: (cause) => {
        this.#closed = true;
        return new EventStoreError('ERR_EVENT_STORE_UNAVAILABLE', `couldn't use event store ${opts.path}: its worker stopped`, { cause });
      },
    });
  }

  #call<K extends keyof SqliteWorkerApi>(op: K, args: RpcArgs<SqliteWorkerApi[K]>, transfer: ArrayBuffer[] = []): Promise<RpcResult<SqliteWorkerApi[K]>> {
    if (this.#closed) return Promise.reject(new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't use event store ${this.#opts.path}: it is closed`));
    return this.#rpc.call(op, args, { transfer });
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.#closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't use event store ${this.#opts.path}: it is closed`);
    // Everything but the compact-JSON check here; the worker validates the whole append again
    // (with it) before writing, and its refusals come back with the same code and message.
    // The small bytes are cloned by the post below, before this returns: validateAppend copies only
    // the large ones, which are handed over instead of copied again (transferring an ArrayBuffer
    // costs more than copying a few KB, ≈ 1.5 µs each: 14 buffers of a batch of 7 took 50–60 µs
    // to post, cloned 38–43; docs/benchmarks.md, #17 tenth pass).
    const valid = validateAppend(stream, events, expected, this.#opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, { checkJson: false, copyBelow: TRANSFER_MIN_BYTES });
    const transfer: ArrayBuffer[] = [];
    for (const e of valid) {
      if (e.data.length >= TRANSFER_MIN_BYTES) transfer.push(e.data.buffer as ArrayBuffer);
      if (e.metadata.length >= TRANSFER_MIN_BYTES) transfer.push(e.metadata.buffer as ArrayBuffer);
    }
    const r = await this.#call('append', [stream, valid, expected], transfer);
    this.#changes.notify();
    return r;
  }

  async *readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const plan = planReadStream(stream, opts);
    let remaining = plan.maxCount;
    let from = plan.from;
    while (remaining > 0) {
      const n = Math.min(READ_CHUNK, remaining);
      const page = await this.#call('readStream', [stream, { from, direction: plan.forward ? 'forward' : 'backward', maxCount: n }]);
      yield* page;
      if (page.length < n) return;
      remaining -= page.length;
      const last = page[page.length - 1]!.revision;
      if (!plan.forward && last === 0) return;
      from = plan.forward ? last + 1 : last - 1;
    }
  }

  async readAll(opts: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    checkAfter(opts.after, opts.maxCount);
    return this.#call('readAll', [opts]);
  }

  headPosition(): Promise<bigint> {
    return this.#call('head', []);
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    if (this.#closed) throw new EventStoreError('ERR_EVENT_STORE_CLOSED', `couldn't use event store ${this.#opts.path}: it is closed`);
    const source = { readPage: (after: bigint, maxCount: number) => this.#call('readAll', [{ after, maxCount }]), changes: this.#changes };
    const sub = new PagedSubscription(source, opts, this.#opts, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const s of [...this.#subs]) await s.close();
    await this.#call('close', []).catch(() => undefined);
    this.#closed = true;
    this.#worker.ref();
    await this.#worker.terminate();
  }
}
