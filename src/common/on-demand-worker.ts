/**
 * A worker thread started on its first call and started again on the call after it died, spoken
 * to through the one worker-RPC helper (libs/threads). It never keeps the process alive while idle.
 * Used by the registration checks that move large payloads off the HTTP thread (content parsing,
 * policy rules).
 */
import type { Worker } from 'node:worker_threads';
import { RpcClient, type RpcApi, type RpcArgs, type RpcResult } from '../../libs/threads/src/index.js';

export class OnDemandWorker<Api extends RpcApi> {
  private current: { readonly worker: Worker; readonly client: RpcClient<Api> } | undefined;
  private closing: Error | undefined;

  /**
   * @param start starts the worker (which serves `Api` with `serveRpc`)
   * @param gone what pending calls reject with when the worker exits or fails
   */
  constructor(
    private readonly start: () => Worker,
    private readonly gone: (reason: unknown) => Error,
  ) {}

  call<K extends keyof Api & string>(op: K, args: RpcArgs<Api[K]>): Promise<RpcResult<Api[K]>> {
    return this.ensure().client.call(op, args);
  }

  /** Stops the worker; pending calls reject with `reason`. */
  async close(reason: Error): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    this.closing = reason;
    c.client.fail(reason);
    this.closing = undefined;
    await c.worker.terminate();
  }

  private ensure(): { readonly worker: Worker; readonly client: RpcClient<Api> } {
    if (this.current) return this.current;
    const worker = this.start();
    const client = new RpcClient<Api>(worker, {
      unrefWhenIdle: true,
      gone: (reason) => {
        if (this.current?.worker === worker) this.current = undefined; // the next call starts a new one
        return this.closing ?? this.gone(reason);
      },
    });
    this.current = { worker, client };
    return this.current;
  }
}
