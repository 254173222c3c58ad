/**
 * Runs the real `scitt` binary (`node bin/scitt.js …`, compiled code in dist/) as a child process,
 * asynchronously — the ledger under test runs in the test process and must keep serving.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin', 'scitt.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout bytes (for binary output). */
  raw: Buffer;
}

/** A sandbox: its own HOME/XDG config (trust file, audit state) and a working directory. */
export function cliSandbox(prefix = 'scitt-cli-'): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, env: { HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), DOCKER_CONFIG: join(dir, '.docker') } };
}

/** Runs `scitt args…`; never rejects (the exit code is the result). */
export function runScitt(args: readonly string[], o: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: o.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const raw = Buffer.concat(out);
      resolve({ code: code ?? (signal ? 128 : -1), stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
    });
  });
}

/** Asserts-friendly summary of a run for failure messages. */
export const show = (r: CliRun): string => `exit ${r.code}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;
