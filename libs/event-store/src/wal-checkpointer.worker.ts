/** The thread of {@link startWalCheckpointer}: one connection per file, a PASSIVE checkpoint of each every interval. */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { serveRpc } from '../../threads/src/index.js';
import type { WalCheckpointerApi, WalCheckpointerPush } from './wal-checkpointer.js';

const port = parentPort;
if (port) {
  const { paths, intervalMs, nice } = workerData as { paths: string[]; intervalMs: number; nice: number };
  try {
    if (nice > 0) setPriority(nice); // this thread only (Linux): a lower priority than the writers'
  } catch {
    // not permitted or not supported: checkpoints run at normal priority
  }
  const runs: Record<string, number> = {};
  const walFrames: Record<string, number> = {};
  const busy: Record<string, number> = {};
  let dbs: { path: string; db: Database.Database }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const failures = new Map<string, string>();
  const checkpointAll = (): void => {
    for (const { path, db } of dbs) {
      try {
        const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
        runs[path]!++;
        if (r) {
          walFrames[path] = Math.max(0, r.log);
          if (r.busy || r.checkpointed < r.log) busy[path]!++;
        }
        failures.delete(path);
      } catch (err) {
        const message = `couldn't checkpoint ${path}: ${(err as Error).message}`;
        if (failures.get(path) !== message) rpc.push({ failed: message }); // once per distinct failure
        failures.set(path, message);
      }
    }
  };
  const rpc = serveRpc<WalCheckpointerApi, WalCheckpointerPush>(port, {
    start: () => {
      try {
        for (const path of paths) {
          const db = new Database(path, { fileMustExist: true });
          dbs.push({ path, db });
          db.pragma('busy_timeout = 0'); // PASSIVE never waits; a busy file is tried again next time
          db.pragma('synchronous = FULL');
          if (db.pragma('journal_mode', { simple: true }) !== 'wal') throw new Error(`${path} is not in WAL mode`);
          runs[path] = 0;
          walFrames[path] = 0;
          busy[path] = 0;
        }
      } catch (err) {
        for (const d of dbs) d.db.close();
        dbs = [];
        throw new Error(`couldn't start the WAL checkpointer: ${(err as Error).message}`, { cause: err });
      }
      timer = setInterval(checkpointAll, intervalMs);
    },
    stats: () => ({ runs, walFrames, busy }),
    close: () => {
      clearInterval(timer);
      checkpointAll();
      for (const d of dbs) d.db.close();
      setImmediate(() => port.close()); // after the reply: the thread then ends
    },
  });
}
