/** The worker of worker-rpc.int.spec.ts: a small API exercising replies, typed errors, pushes and a crash. */
import { parentPort } from 'node:worker_threads';
import { serveRpc } from '../src/index.js';

export type EchoApi = {
  echo(value: unknown): unknown;
  sum(a: number, b: number): Promise<number>;
  fail(): never;
  never(): Promise<never>;
  pushSoon(n: number): void;
  crash(): void;
  unclonable(): unknown;
};

class Conflict extends Error {
  readonly code = 'ERR_TEST_CONFLICT';
  readonly stream = 'log-1';
  readonly expected = 4;
  readonly actual: number | 'no_stream' = 'no_stream';
}

const rpc = serveRpc<EchoApi, { n: number }>(parentPort!, {
  echo: (value) => value,
  sum: async (a, b) => a + b,
  fail: () => {
    throw new Conflict("couldn't append to log-1", { cause: Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR', errno: 10 }) });
  },
  never: () => new Promise<never>(() => undefined),
  pushSoon: (n) => void setTimeout(() => rpc.push({ n }), 10),
  crash: () => void setTimeout(() => process.exit(3), 10),
  unclonable: () => ({ f: () => 1 }),
});
