/**
 * Typed request/reply between a thread and the worker it started, the one protocol of the
 * service's worker threads (the SQLite event store's, the processors'). Why a library of its own:
 * the SQLite worker lives in libs/event-store and the processors' worker in src/, and libs/ never
 * imports src/; this file imports only `node:worker_threads` types.
 *
 * On the wire (structured clone):
 *   caller → worker  `{ rpc: 'call', id, op, args }`
 *   worker → caller  `{ rpc: 'reply', id, ok: true, value }` · `{ rpc: 'reply', id, ok: false, error }`
 *                    `{ rpc: 'push', value }` (a change the worker reports on its own, e.g. registry pauses)
 * An error crosses as {@link SerializedError}: name, message, `code`, any own string/number/boolean
 * fields (a conflict's stream and revisions) and its `cause`, recursively; the caller rebuilds it
 * (by default an `Error` with the same code and cause; a custom `reviveError` rebuilds typed errors).
 */
import type { MessagePort, Worker } from 'node:worker_threads';

/** An API: operation name → handler. Arguments and results must survive structured clone. */
export type RpcApi = { readonly [op: string]: (...args: never[]) => unknown };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly cause?: SerializedError;
  /** the error's other own fields that are plain values */
  readonly fields?: Readonly<Record<string, string | number | bigint | boolean | null>>;
}

interface CallMessage {
  readonly rpc: 'call';
  readonly id: number;
  readonly op: string;
  readonly args: unknown[];
}
type ReplyMessage = { readonly rpc: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown } | { readonly rpc: 'reply'; readonly id: number; readonly ok: false; readonly error: SerializedError };
interface PushMessage {
  readonly rpc: 'push';
  readonly value: unknown;
}

/** Worker side: an error as it crosses the thread boundary (its cause chain too, 8 deep at most). */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const fields: Record<string, string | number | bigint | boolean | null> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === 'code' || k === 'cause') continue;
    if (v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v)) fields[k] = v as string | number | bigint | boolean | null;
  }
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err.cause !== undefined && depth < 8 ? { cause: serializeError(err.cause, depth + 1) } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}

/** Caller side, the default: an `Error` with the same name, message, code, fields and cause. */
export function reviveError(e: SerializedError): Error {
  const err = new Error(e.message, e.cause ? { cause: reviveError(e.cause) } : undefined);
  err.name = e.name;
  return Object.assign(err, e.fields ?? {}, e.code !== undefined ? { code: e.code } : {});
}

export interface RpcClientOptions<Push> {
  /** what a failed call rejects with (default {@link reviveError}) */
  readonly reviveError?: (e: SerializedError) => Error;
  /** the worker's pushes */
  readonly onPush?: (value: Push) => void;
  /** what pending and later calls reject with once the worker is gone */
  readonly gone: (reason: unknown) => Error;
  /** a call not answered within this many ms rejects (default: none; a call can give its own) */
  readonly timeoutMs?: number;
  /** keep the worker referenced only while a call is pending: an idle worker never keeps the process alive */
  readonly unrefWhenIdle?: boolean;
}

export type RpcResult<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;
export type RpcArgs<F> = F extends (...args: infer A) => unknown ? A : never;

/** The caller's side: `call(op, ...args)` resolves with the worker's reply. */
export class RpcClient<Api extends RpcApi, Push = never> {
  readonly #worker: Worker;
  readonly #opts: RpcClientOptions<Push>;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }>();
  #nextId = 1;
  #gone: Error | undefined;

  constructor(worker: Worker, opts: RpcClientOptions<Push>) {
    this.#worker = worker;
    this.#opts = opts;
    if (opts.unrefWhenIdle) worker.unref();
    worker.on('message', (m: ReplyMessage | PushMessage) => {
      if (m?.rpc === 'push') opts.onPush?.(m.value as Push);
      if (m?.rpc !== 'reply') return;
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#settled(m.id, p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject((opts.reviveError ?? reviveError)(m.error));
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the worker exited with code ${code}`)));
  }

  /**
   * Calls `op` in the worker. Buffers among `transfer` move to the worker instead of being copied;
   * `timeoutMs` (default: the client's; `Infinity`: none) rejects a call not answered in time (`ERR_RPC_TIMEOUT`).
   */
  call<K extends keyof Api & string>(op: K, args: RpcArgs<Api[K]>, o: { readonly transfer?: readonly ArrayBuffer[]; readonly timeoutMs?: number } = {}): Promise<RpcResult<Api[K]>> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    const timeoutMs = o.timeoutMs ?? this.#opts.timeoutMs;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined || !Number.isFinite(timeoutMs)
          ? undefined
          : setTimeout(() => {
              this.#settled(id, undefined);
              reject(Object.assign(new Error(`the worker did not answer ${op} within ${timeoutMs} ms`), { code: 'ERR_RPC_TIMEOUT' }));
            }, timeoutMs).unref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      if (this.#opts.unrefWhenIdle) this.#worker.ref();
      this.#worker.postMessage({ rpc: 'call', id, op, args } satisfies CallMessage, (o.transfer ?? []) as ArrayBuffer[]);
    });
  }

  /** The worker is gone (exited, failed, or its owner closed it): pending and later calls reject with `gone(reason)`. */
  fail(reason: unknown): void {
    this.#gone ??= this.#opts.gone(reason);
    for (const [id, p] of this.#pending) {
      this.#settled(id, p.timer);
      p.reject(this.#gone);
    }
  }

  #settled(id: number, timer: NodeJS.Timeout | undefined): void {
    if (timer) clearTimeout(timer);
    this.#pending.delete(id);
    if (this.#opts.unrefWhenIdle && this.#pending.size === 0) this.#worker.unref();
  }
}

/**
 * The worker's side: answers each call with its handler's (awaited) result or error, in arrival
 * order of completion. `push` sends the caller a value unasked.
 */
export function serveRpc<Api extends RpcApi, Push = never>(port: MessagePort, handlers: Api): { push(value: Push): void } {
  const reply = (r: ReplyMessage): void => {
    try {
      port.postMessage(r);
    } catch (err) {
      // a result that can't be cloned (a function, a class instance with private state): the call fails, loudly
      port.postMessage({ rpc: 'reply', id: r.id, ok: false, error: serializeError(err) } satisfies ReplyMessage);
    }
  };
  port.on('message', async (m: CallMessage) => {
    if (m?.rpc !== 'call') return;
    const handler = Object.hasOwn(handlers, m.op) ? (handlers[m.op] as (...a: unknown[]) => unknown) : undefined;
    try {
      if (!handler) throw Object.assign(new Error(`unknown operation ${JSON.stringify(m.op)}`), { code: 'ERR_RPC_UNKNOWN_OPERATION' });
      reply({ rpc: 'reply', id: m.id, ok: true, value: await handler(...m.args) });
    } catch (err) {
      reply({ rpc: 'reply', id: m.id, ok: false, error: serializeError(err) });
    }
  });
  return { push: (value) => port.postMessage({ rpc: 'push', value } satisfies PushMessage) };
}
