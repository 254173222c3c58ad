/**
 * The real service as a child process (`node dist/src/main.js`) on a loopback port: for tests
 * that need a process to die (kill -9), to compete for a data directory, or to run out of disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports.js';

const root = new URL('../../..', import.meta.url).pathname;

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** everything the process wrote to stderr so far */
  stderr(): string;
  /** everything the process wrote to stdout (its log lines) so far */
  stdout(): string;
  /** resolves with the exit code (or the signal) once the process ended */
  exited(): Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Spawn the service; does not wait for it (see {@link waitLive}). */
export async function spawnService(dataDir: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', LOG_ID: 'proc', SERVICE_ISSUER: 'https://ledger.test', RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    stderr: () => err,
    stdout: () => out,
    exited: () => exit,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}

/** Wait until `path` answers `status` (default: /health/live answers 200); throws if the process exits first. */
export async function waitFor(p: ServiceProcess, path = '/health/live', status = 200, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (p.child.exitCode !== null) throw new Error(`the service exited with ${p.child.exitCode}: ${p.stderr()}`);
    try {
      const res = await fetch(`${p.url}${path}`);
      await res.arrayBuffer();
      if (res.status === status) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} did not answer ${status} within ${ms} ms; stderr: ${p.stderr()}`);
}
