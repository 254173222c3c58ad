/**
 * One service per data directory: an exclusive lock held for the life of the process.
 *
 * The lock is SQLite's own file lock (POSIX `fcntl` on Linux and macOS, `LockFileEx` on Windows):
 * `DATA_DIR/ledger.lock` is a small SQLite database on which the holder keeps a write
 * transaction open (`BEGIN IMMEDIATE`, a RESERVED lock), so a second process — or a second
 * service in the same process — gets SQLITE_BUSY at once. The kernel drops the lock when the
 * holder dies, however it dies (`kill -9`, OOM, power loss), so a stale lock never blocks a
 * restart; there is no pid to compare and no pid reuse to get wrong. `DATA_DIR/ledger.pid`
 * names the holder for the refusal message only: it is written after the lock is taken and never
 * decides anything. Network file systems whose `fcntl` locks are unreliable (some NFS setups)
 * cannot give this guarantee: keep DATA_DIR on a local disk.
 */
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  readonly code = 'ERR_DATA_DIR_LOCKED';
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

interface Holder {
  readonly pid: number;
  readonly host?: string;
  readonly since?: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Let go of the lock (idempotent). */
  release(): void;
}

/** Take the data directory's lock or throw {@link DataDirLockedError} naming the holder. */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, 'ledger.lock');
  const pidPath = join(dataDir, 'ledger.pid');
  const db: Db = new Database(path);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw new Error(`couldn't lock the data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
    const holder = readHolder(pidPath);
    const who = holder ? `process ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''}${holder.since ? ` (since ${holder.since})` : ''}` : 'another process';
    throw new DataDirLockedError(`the data directory ${dataDir} is in use by ${who}: stop it first, or give this one another DATA_DIR`);
  }
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(`${pidPath}.tmp`, JSON.stringify(me) + '\n');
  renameSync(`${pidPath}.tmp`, pidPath);
  let held = true;
  return {
    path,
    release(): void {
      if (!held) return;
      held = false;
      if (readHolder(pidPath)?.pid === process.pid) rmSync(pidPath, { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

function readHolder(pidPath: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(pidPath, 'utf8')) as Partial<Holder>;
    return Number.isSafeInteger(h.pid) ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}
