/**
 * A stand-in for processors.worker.ts in processor-host's tests: speaks the same messages, runs no
 * processor. Each start appends a line to STAND_IN_STARTS; STAND_IN_MODE says how it behaves:
 * `crash-once` throws 100 ms after its first start (later starts stay up), `fail` refuses to start.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProcessorsWorkerData } from '../processors.worker.js';

const port = parentPort!;
const { env } = workerData as ProcessorsWorkerData;
const file = env.STAND_IN_STARTS!;
appendFileSync(file, 'start\n');
const starts = readFileSync(file, 'utf8').trim().split('\n').length;

if (env.STAND_IN_MODE === 'fail') {
  port.postMessage({ type: 'failed', message: 'stand-in refuses to start' });
  process.exit(1);
}
port.on('message', (msg: { type: string; id?: number }) => {
  if (msg.type === 'status') port.postMessage({ type: 'status', id: msg.id, statuses: [{ name: 'stand-in', running: true, position: String(starts) }] });
  else if (msg.type === 'stop') {
    port.postMessage({ type: 'stopped' });
    port.close();
  }
});
port.postMessage({ type: 'ready', names: ['stand-in'] });
if (env.STAND_IN_MODE === 'crash-once' && starts === 1) {
  setTimeout(() => {
    throw new Error('stand-in crashed');
  }, 100);
}
