/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) started with
 * the project's own config on a loopback port, storing into a fresh temp dir.
 *
 * Never the package's default config (`/etc/docker/registry/config.yml` enables htpasswd auth).
 * distribution 2.8 has no referrers API, so it exercises the tag-schema fallback.
 *
 * @example
 *   const skip = registrySkip();
 *   describe('client', { skip }, () => {
 *     let reg: TestRegistry;
 *     before(async () => { reg = await startRegistry(); });
 *     after(() => reg.stop());
 *   });
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needExternal } from './external.js';
import { freePort } from './ports.js';
import { which } from './which.js';

export interface TestRegistry {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** `host:port` as used in references, e.g. `127.0.0.1:40123`. */
  readonly host: string;
  /** The temp dir holding config, storage (and htpasswd). */
  readonly dir: string;
  /** For `auth: 'htpasswd'`: the user and password the registry accepts. */
  readonly user?: { username: string; password: string };
  /** Kills the process (storage stays, so {@link TestRegistry.restart} brings the same content back). */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage (outage tests). */
  restart(): Promise<void>;
  /** {@link TestRegistry.stop} and delete the temp dir. */
  dispose(): Promise<void>;
}

const BINARY = '/usr/bin/docker-registry';

function registryBinary(): string | undefined {
  return which('docker-registry') ?? (existsSync(BINARY) ? BINARY : undefined);
}

/** Whether docker-registry is installed (for fixtures that use one when they can). */
export function registryAvailable(): boolean {
  return registryBinary() !== undefined;
}

/** The skip reason (or false) for suites that need a real registry. */
export function registrySkip(): string | false {
  return needExternal('docker-registry', registryBinary() !== undefined, 'apt-get install docker-registry');
}

/**
 * A bcrypt htpasswd line for `user:password`, or undefined when this machine cannot make one.
 * Uses `htpasswd -B` (apache2-utils) when installed, else Perl's `crypt()` with a `$2b$` salt
 * (glibc/libxcrypt implements bcrypt; Perl is part of every Debian base system).
 */
export function bcryptHtpasswdLine(username: string, password: string): string | undefined {
  const htpasswd = which('htpasswd');
  if (htpasswd) {
    const r = spawnSync(htpasswd, ['-nbB', '-C', '5', username, password], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.includes(':$2')) return r.stdout.trim();
  }
  const perl = which('perl');
  if (perl) {
    const salt = `$2b$05$${bcryptSalt()}`;
    // Password passed via the environment, not argv (argv is visible in `ps`).
    const r = spawnSync(perl, ['-e', 'print crypt($ENV{PW}, $ENV{SALT})'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', PW: password, SALT: salt },
    });
    if (r.status === 0 && r.stdout.startsWith('$2b$05$') && r.stdout.length === 60) return `${username}:${r.stdout}`;
  }
  return undefined;
}

/** 22 characters of bcrypt's base64 alphabet (the last one restricted to the 4 values bcrypt keeps). */
function bcryptSalt(): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(22);
  let s = '';
  for (let i = 0; i < 21; i++) s += alphabet[bytes[i]! % 64];
  return s + '.Oeu'[bytes[21]! % 4];
}

/** The skip reason (or false) for the htpasswd suite: needs the registry and a bcrypt generator. */
export function htpasswdSkip(): string | false {
  const reg = registrySkip();
  if (reg) return reg;
  return needExternal(
    'a bcrypt htpasswd generator',
    bcryptHtpasswdLine('probe', 'probe') !== undefined,
    'apt-get install apache2-utils (htpasswd -B), or a Perl whose crypt() supports $2b$',
  );
}

/** Starts a fresh registry; `auth: 'htpasswd'` adds Basic auth with a generated user. */
export async function startRegistry(options: { auth?: 'htpasswd' } = {}): Promise<TestRegistry> {
  const bin = registryBinary();
  if (!bin) throw new Error('couldn\'t start docker-registry: not installed (apt-get install docker-registry)');
  const dir = mkdtempSync(join(tmpdir(), 'scitt-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let user: { username: string; password: string } | undefined;
  let authYaml = '';
  if (options.auth === 'htpasswd') {
    user = { username: 'alice', password: randomBytes(12).toString('base64url') };
    const line = bcryptHtpasswdLine(user.username, user.password);
    if (!line) throw new Error('couldn\'t create htpasswd: no bcrypt generator (see htpasswdSkip)');
    writeFileSync(join(dir, 'htpasswd'), line + '\n', { mode: 0o600 });
    authYaml = `auth:\n  htpasswd:\n    realm: scitt-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config =
    'version: 0.1\n' +
    'log:\n  level: error\n  accesslog:\n    disabled: true\n' +
    `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\n` +
    `http:\n  addr: ${host}\n  secret: ${createHash('sha256').update(dir).digest('hex')}\n` +
    authYaml;
  const configPath = join(dir, 'config.yml');
  writeFileSync(configPath, config);

  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async (): Promise<void> => {
    stderr = '';
    const c = spawn(bin, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 8192) stderr += d.toString();
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (c.exitCode !== null) throw new Error(`couldn't start docker-registry: exited ${c.exitCode}: ${stderr}`);
      try {
        const res = await fetch(`http://${host}/v2/`);
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    c.kill('SIGKILL');
    throw new Error(`couldn't start docker-registry: /v2/ did not answer in 15 s: ${stderr}`);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 3000).unref();
    });
  };
  await start();
  return {
    url: `http://${host}`,
    host,
    dir,
    ...(user ? { user } : {}),
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
