/**
 * A stand-in for processors.worker.ts in processor-host's tests: serves the same API
 * (processors.protocol.ts), runs no processor. Each start appends a line to STAND_IN_STARTS;
 * STAND_IN_MODE says how it behaves: `crash-once` throws 100 ms after its first start (later
 * starts stay up), `fail` refuses to start (with a code and a cause, which must reach the host),
 * `pause` pushes a registry pause right after it started. Leading (`start(true)`, `lead(true)`), it
 * names a second processor, `stand-in-publisher`.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { serveRpc } from '../../../libs/threads/src/index.js';
import type { ProcessorsWorkerApi, ProcessorsWorkerData, ProcessorsWorkerPush } from '../processors.protocol.js';

const port = parentPort!;
const { env } = workerData as ProcessorsWorkerData;
const file = env.STAND_IN_STARTS!;
appendFileSync(file, 'start\n');
const starts = readFileSync(file, 'utf8').trim().split('\n').length;

const rpc = serveRpc<ProcessorsWorkerApi, ProcessorsWorkerPush>(port, {
  start: async (leading) => {
    if (env.STAND_IN_MODE === 'fail') {
      throw Object.assign(new Error('stand-in refuses to start', { cause: Object.assign(new Error('disk on fire'), { code: 'ERR_STAND_IN_CAUSE' }) }), { code: 'ERR_STAND_IN' });
    }
    if (env.STAND_IN_MODE === 'crash-once' && starts === 1) {
      setTimeout(() => {
        throw new Error('stand-in crashed');
      }, 100);
    }
    if (env.STAND_IN_MODE === 'pause') setTimeout(() => rpc.push({ pauses: [{ registry: 'r.example', until: Date.now() + 60_000, failures: 1, error: 'ERR_X: down' }] }), 50);
    return leading ? ['stand-in', 'stand-in-publisher'] : ['stand-in'];
  },
  lead: async (leading) => (leading ? ['stand-in', 'stand-in-publisher'] : ['stand-in']),
  status: async () => [{ name: 'stand-in', running: true, position: String(starts) }],
  metrics: async () => [],
  stop: async () => {
    setImmediate(() => port.close());
  },
});
