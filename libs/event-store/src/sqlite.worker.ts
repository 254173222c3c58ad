/**
 * The worker-thread side of {@link openSqliteEventStore} with `worker: true`: owns the database
 * connection, so the synchronous fsync of each commit blocks this thread, not the event loop that
 * serves HTTP. Requests and replies are plain structured-clone messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EventStore, RecordedEvent } from './event-store.port.js';
import { openSqliteEventStore, type SqliteEventStoreOptions } from './sqlite.event-store.js';

export type WorkerRequest =
  | { id: number; op: 'append'; args: Parameters<EventStore['append']> }
  | { id: number; op: 'readStream'; args: [string, { from: number | 'start' | 'end'; direction: 'forward' | 'backward'; maxCount: number }] }
  | { id: number; op: 'readAll'; args: [{ after?: bigint; maxCount?: number }] }
  | { id: number; op: 'head'; args: [] }
  | { id: number; op: 'close'; args: [] };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  stream?: string;
  expected?: unknown;
  actual?: unknown;
}

const port = parentPort;
if (port) {
  const opts = workerData as Pick<SqliteEventStoreOptions, 'path' | 'maxEventBytes' | 'autoCheckpointPages'>;
  const opening = openSqliteEventStore({ path: opts.path, maxEventBytes: opts.maxEventBytes, autoCheckpointPages: opts.autoCheckpointPages, worker: false });
  port.on('message', async (req: WorkerRequest) => {
    try {
      const store = await opening;
      let value: unknown;
      switch (req.op) {
        case 'append':
          value = await store.append(...req.args);
          break;
        case 'readStream': {
          const out: RecordedEvent[] = [];
          for await (const e of store.readStream(...req.args)) out.push(e);
          value = out;
          break;
        }
        case 'readAll':
          value = await store.readAll(...req.args);
          break;
        case 'head':
          value = await store.headPosition();
          break;
        case 'close':
          value = await store.close();
          break;
      }
      port.postMessage({ id: req.id, ok: true, value } satisfies WorkerReply);
    } catch (err) {
      const e = err as SerializedError;
      port.postMessage({ id: req.id, ok: false, error: { name: e.name, code: e.code, message: e.message, stream: e.stream, expected: e.expected, actual: e.actual } } satisfies WorkerReply);
    }
  });
}
