/**
 * The container image's steps without a container engine (none runs on these machines):
 * docker/Dockerfile runs docker/build-steps.sh, and this test runs the same script in a clean
 * temporary directory — the runtime layout with `npm ci --omit=dev`, the service started with the
 * image's command, environment and (when this runs as root) its non-root user, then the image's
 * HEALTHCHECK, a registration, and a clean stop. The build step itself (`npm ci`, `npm run build`)
 * is what CI runs on every build. What this does not prove: the base image, apt, and the Docker
 * instructions themselves (COPY, USER, VOLUME), which are checked here only as text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needExternal } from '../support/external.js';
import { freePort } from '../support/ports.js';
import { register } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const root = new URL('../../..', import.meta.url).pathname;
const steps = join(root, 'docker', 'build-steps.sh');
/** the image's user: uid/gid 1000 ("node" in the node base images) */
const IMAGE_UID = 1000;

function sh(args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(steps, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0 }),
    );
  });
}

const registryReachable = (): boolean => spawnSync('npm', ['ping', '--fetch-timeout=10000', '--fetch-retries=0'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
const skip = needExternal('the npm registry (npm ci --omit=dev installs the runtime dependencies)', registryReachable(), 'run where registry.npmjs.org (or the configured registry) is reachable');

describe('container steps (docker/build-steps.sh, as docker/Dockerfile runs them)', { skip, timeout: 20 * 60_000 }, () => {
  let dir: string;
  let app: string;
  let data: string;
  let child: ChildProcess | undefined;
  let out = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scitt-container-'));
    chmodSync(dir, 0o755);
    app = join(dir, 'app');
    data = join(dir, 'data');
    // better-sqlite3's native binary: in the image build prebuild-install downloads it (or the
    // build stage compiles it); GitHub is not reachable here, so it gets the same file as a local
    // prebuild made from this repository's build, where prebuild-install looks first.
    const bs = JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
    const prebuilds = join(dir, 'prebuilds');
    mkdirSync(prebuilds);
    const tarball = join(prebuilds, `better-sqlite3-v${bs.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
    const tar = spawnSync('tar', ['-czf', tarball, '-C', join(root, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);
    assert.equal(tar.status, 0, String(tar.stderr));
    const r = await sh(['assemble', root, app], { npm_config_better_sqlite3_local_prebuilds: prebuilds, npm_config_update_notifier: 'false' }, 15 * 60_000);
    assert.equal(r.code, 0, `assemble failed:\n${r.stdout}\n${r.stderr}`);
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('docker/Dockerfile runs these steps, as a non-root user, with DATA_DIR a volume and the healthcheck', () => {
    const df = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
    for (const line of [
      'RUN docker/build-steps.sh build /src',
      'RUN docker/build-steps.sh assemble /src /app',
      'USER node',
      'VOLUME ["/data"]',
      'CMD ["docker/build-steps.sh", "run", "/app"]',
    ]) assert.ok(df.split('\n').some((l) => l.trim() === line), `Dockerfile line ${line}`);
    assert.match(df, /^HEALTHCHECK .*CMD \["docker\/build-steps\.sh", "healthcheck", "\/app"\]$/m);
    assert.match(df, /DATA_DIR=\/data/);
    assert.equal((df.match(/^FROM /gm) ?? []).length, 3, 'multi-stage: build, assemble, runtime');
  });

  it('assembles only the runtime: compiled service and CLI, production dependencies, no sources, tests or dev tools', () => {
    assert.ok(existsSync(join(app, 'dist/src/main.js')));
    assert.ok(existsSync(join(app, 'bin/scitt.js')));
    assert.ok(existsSync(join(app, 'dist/web/explorer/index.html')), 'the explorer bundle');
    assert.ok(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')));
    for (const dev of ['typescript', 'eslint', 'typescript-eslint', 'autocannon', 'fast-check', 'merkletreejs']) assert.ok(!existsSync(join(app, 'node_modules', dev)), `dev dependency ${dev} installed`);
    for (const prod of ['@nestjs/core', 'prom-client', 'pino', 'kafkajs']) assert.ok(existsSync(join(app, 'node_modules', prod)), `${prod} missing`);
    assert.ok(!existsSync(join(app, 'src')) && !existsSync(join(app, 'test')) && !existsSync(join(app, 'dist/test')));
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    assert.deepEqual(walk(join(app, 'dist')).filter((f) => /\.(spec|bench)\.js$/.test(f) || f.endsWith('.ts')), []);
  });

  it('starts as the image does, passes the HEALTHCHECK, registers a statement, writes only DATA_DIR, stops cleanly on SIGTERM', async () => {
    mkdirSync(data);
    const asImageUser = process.getuid?.() === 0;
    if (asImageUser) chownSync(data, IMAGE_UID, IMAGE_UID);
    const port = await freePort();
    // the image's environment (HOST 127.0.0.1 instead of 0.0.0.0: a shared machine)
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: data, LOG_FORMAT: 'json', HOME: data };
    const healthcheck = (): Promise<{ code: number; stdout: string }> => sh(['healthcheck', app], { PORT: String(port) }, 30_000);
    assert.equal((await healthcheck()).code, 1, 'unhealthy before it starts');
    child = spawn(steps, ['run', app], { env, stdio: ['ignore', 'pipe', 'pipe'], ...(asImageUser ? { uid: IMAGE_UID, gid: IMAGE_UID } : {}) });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    let hc = { code: 1, stdout: '' };
    for (let i = 0; i < 240 && hc.code !== 0; i++) {
      if (child.exitCode !== null) assert.fail(`the service exited with ${child.exitCode}:\n${out}`);
      await new Promise((r) => setTimeout(r, 500));
      hc = await healthcheck();
    }
    assert.equal(hc.code, 0, `healthcheck never passed:\n${out}`);
    assert.match(hc.stdout, /\/health(\/ready)? 200/);

    const issuer = await makeIssuer('https://ci.container.example');
    const res = await register(`http://127.0.0.1:${port}`, await signStatement(issuer, { sub: subjectOf(1), x5chain: issuer.certificate }));
    assert.equal(res.status, 201);
    assert.ok(existsSync(join(data, 'events.sqlite')), 'the events live in DATA_DIR');
    if (asImageUser) assert.equal(statSync(join(data, 'events.sqlite')).uid, IMAGE_UID, 'written by the image user');
    assert.ok(out.split('\n').filter((l) => l !== '').every((l) => l.startsWith('{')), `JSON log lines:\n${out.slice(0, 2000)}`);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `exit code after SIGTERM:\n${out.slice(-2000)}`);
    assert.equal((await healthcheck()).code, 1, 'unhealthy once stopped');
  });
});
