/** Durable file primitives for the OCI layout: atomic replace and a cross-process lock file. */
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** fsyncs a directory so a rename in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Replaces `path` atomically: write a temp file beside it, fsync, rename over, fsync the directory.
 * A crash leaves either the old or the new content (and maybe a `.tmp-*` file, harmless).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  const h = await open(tmp, 'wx', 0o644);
  try {
    await h.writeFile(bytes);
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

/**
 * Runs `fn` holding `<lockPath>` (created with O_EXCL): one writer across processes.
 * A lock older than `staleMs` is taken to be left by a crashed process and removed.
 */
export async function withLockFile<T>(lockPath: string, fn: () => Promise<T>, staleMs = 30_000, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    try {
      const h = await open(lockPath, 'wx');
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > staleMs) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
