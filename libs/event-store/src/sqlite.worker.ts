/**
 * The worker-thread side of {@link openSqliteWorkerEventStore}: runs the engine
 * (sqlite.event-store.ts) and owns its connection, so the synchronous fsync of each commit blocks
 * this thread, not the event loop that serves HTTP. Messages: sqlite.worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RecordedEvent } from './event-store.port.js';
import { openSqliteEngine } from './sqlite.event-store.js';
import { serializeError, type SqliteWorkerData, type WorkerReply, type WorkerRequest } from './sqlite.worker-protocol.js';

const port = parentPort;
if (port) {
  const opts = workerData as SqliteWorkerData;
  const opening = openSqliteEngine({ path: opts.path, maxEventBytes: opts.maxEventBytes, autoCheckpointPages: opts.autoCheckpointPages });
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
      port.postMessage({ id: req.id, ok: false, error: serializeError(err) } satisfies WorkerReply);
    }
  });
}
