/**
 * The worker-thread side of {@link openSqliteWorkerEventStore}: runs the engine
 * (sqlite.event-store.ts) and owns its connection, so the synchronous fsync of each commit blocks
 * this thread, not the event loop that serves HTTP. Its API: sqlite.worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveRpc } from '../../threads/src/index.js';
import type { RecordedEvent } from './event-store.port.js';
import { openSqliteEngine } from './sqlite.event-store.js';
import type { SqliteWorkerApi, SqliteWorkerData } from './sqlite.worker-protocol.js';

const port = parentPort;
if (port) {
  const opts = workerData as SqliteWorkerData;
  const opening = openSqliteEngine({ path: opts.path, maxEventBytes: opts.maxEventBytes, autoCheckpointPages: opts.autoCheckpointPages });
  opening.catch(() => undefined); // reported to the first call
  serveRpc<SqliteWorkerApi>(port, {
    append: async (...args) => (await opening).append(...args),
    readStream: async (stream, o) => {
      const out: RecordedEvent[] = [];
      for await (const e of (await opening).readStream(stream, o)) out.push(e);
      return out;
    },
    readAll: async (o) => (await opening).readAll(o),
    head: async () => (await opening).headPosition(),
    close: async () => (await opening).close(),
  });
}
