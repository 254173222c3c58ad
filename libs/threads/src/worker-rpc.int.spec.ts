import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { EchoApi } from '../test/echo.worker.js';
import { RpcClient, reviveError, serializeError } from './index.js';

const script = new URL('../test/echo.worker.js', import.meta.url);

function start(o: { timeoutMs?: number; onPush?: (v: { n: number }) => void } = {}): { worker: Worker; rpc: RpcClient<EchoApi, { n: number }> } {
  const worker = new Worker(script);
  const rpc = new RpcClient<EchoApi, { n: number }>(worker, { ...o, gone: (cause) => Object.assign(new Error('echo worker gone', { cause }), { code: 'ERR_TEST_GONE' }) });
  return { worker, rpc };
}

describe('worker RPC (a real worker thread)', () => {
  it('answers calls by id, concurrently and out of order, with structured-clone values', async () => {
    const { worker, rpc } = start();
    try {
      const never = assert.rejects(rpc.call('never', [], { timeoutMs: 50 }), (e: Error & { code?: string }) => e.code === 'ERR_RPC_TIMEOUT' && /never within 50 ms/.test(e.message));
      const [a, b, c] = await Promise.all([rpc.call('sum', [2, 3]), rpc.call('echo', [{ big: 2n ** 70n, bytes: new Uint8Array([1, 2]) }]), rpc.call('sum', [40, 2])]);
      assert.equal(a, 5);
      assert.deepEqual(b, { big: 2n ** 70n, bytes: new Uint8Array([1, 2]) });
      assert.equal(c, 42);
      await never;
    } finally {
      await worker.terminate();
    }
  });

  it('an error crosses with its name, code, plain fields and cause chain', async () => {
    const { worker, rpc } = start();
    try {
      await assert.rejects(rpc.call('fail', []), (e: Error & Record<string, unknown>) => {
        assert.equal(e.message, "couldn't append to log-1");
        assert.equal(e.code, 'ERR_TEST_CONFLICT');
        assert.deepEqual([e.stream, e.expected, e.actual], ['log-1', 4, 'no_stream']);
        const cause = e.cause as Error & Record<string, unknown>;
        assert.deepEqual([cause.message, cause.code, cause.errno], ['disk I/O error', 'SQLITE_IOERR', 10]);
        return true;
      });
      await assert.rejects(rpc.call('nope' as 'sum', [1, 2]), (e: Error & { code?: string }) => e.code === 'ERR_RPC_UNKNOWN_OPERATION');
      await assert.rejects(rpc.call('unclonable', []), (e: Error) => e.name === 'DataCloneError', 'a reply that cannot be cloned fails the call, not the worker');
      assert.equal(await rpc.call('sum', [1, 1]), 2, 'the worker still answers');
    } finally {
      await worker.terminate();
    }
  });

  it('pushes arrive unasked; a worker that exits rejects pending and later calls with the "gone" error', async () => {
    let pushed: { n: number } | undefined;
    const { rpc } = start({ onPush: (v) => (pushed = v) });
    await rpc.call('pushSoon', [7]);
    for (let i = 0; i < 100 && !pushed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(pushed, { n: 7 });
    const pending = assert.rejects(rpc.call('never', []), (e: Error & { code?: string; cause?: Error }) => e.code === 'ERR_TEST_GONE' && /exited with code 3/.test(e.cause?.message ?? ''));
    await rpc.call('crash', []);
    await pending;
    await assert.rejects(rpc.call('sum', [1, 2]), (e: Error & { code?: string }) => e.code === 'ERR_TEST_GONE');
  });

  it('serializeError / reviveError round-trip non-errors and bound the cause chain', () => {
    assert.deepEqual(serializeError('plain'), { name: 'Error', message: 'plain' });
    let deep: Error = new Error('0');
    for (let i = 1; i < 20; i++) deep = new Error(String(i), { cause: deep });
    let revived: unknown = reviveError(serializeError(deep));
    let depth = 0;
    while (revived instanceof Error && revived.cause) {
      revived = revived.cause;
      depth++;
    }
    assert.equal(depth, 8);
  });
});
