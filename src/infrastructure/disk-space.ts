/**
 * The data directory's disk: is there room, and does it take writes. Used at start (a full disk
 * is refused with a message that says so, instead of a SQLite error) and by the sequencer before
 * it resumes after a failure (readiness comes back only when the disk takes writes again).
 */
import { closeSync, fsyncSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DiskFullError extends Error {
  readonly code = 'ERR_DISK_FULL';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DiskFullError';
  }
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/** Bytes an unprivileged process may still write on the disk holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Throws {@link DiskFullError} when the disk holding `dataDir` has less than `minBytes` free. */
export function checkFreeSpace(dataDir: string, minBytes: number): void {
  if (minBytes <= 0) return;
  const free = freeBytes(dataDir);
  if (free < minBytes) {
    throw new DiskFullError(`the disk holding the data directory is full: ${mib(free)} free, at least ${mib(minBytes)} needed (MIN_FREE_DISK_BYTES); free some space and start again`);
  }
}

/** The error chain says the disk is full (ENOSPC from Node, SQLITE_FULL from SQLite, EDQUOT). */
export function isDiskFull(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 8; e = e.cause as typeof e, i++) {
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'SQLITE_FULL') return true;
    if (typeof e.message === 'string' && /\b(ENOSPC|no space left on device|database or disk is full)\b/i.test(e.message)) return true;
  }
  return false;
}

/** A full disk met at start, said plainly; anything else unchanged. */
export function explainDiskFull(err: unknown, dataDir: string): unknown {
  if (err instanceof DiskFullError || !isDiskFull(err)) return err;
  let free = '';
  try {
    free = ` (${mib(freeBytes(dataDir))} free)`;
  } catch {
    // the message is enough without the figure
  }
  return new DiskFullError(`the disk holding the data directory is full${free}: ${(err as Error).message}; free some space and start again`, { cause: err });
}

/**
 * Proves the data directory takes writes: enough free space, and a 64 KiB file written, fsynced
 * and removed (a full or read-only file system fails here, as the store's next append would).
 */
export function probeWritable(dataDir: string, minBytes: number): void {
  checkFreeSpace(dataDir, minBytes);
  const path = join(dataDir, '.write-probe');
  try {
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, new Uint8Array(64 * 1024));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(path, { force: true });
    }
  } catch (err) {
    // Said without the path: this message reaches /health/ready and 503 answers.
    const code = String((err as NodeJS.ErrnoException).code ?? 'EIO');
    const message = `the data directory does not take writes (${code})`;
    throw isDiskFull(err) ? new DiskFullError(`${message}: the disk is full`, { cause: err }) : new Error(message, { cause: err });
  }
}
