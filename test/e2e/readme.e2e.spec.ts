/**
 * Docs that run: the tour block of README.md is executed line by line — the real `scitt` CLI as a
 * child process, against a real ledger (in-process, embedded store, started where the block
 * starts it and with the environment the block gives it) publishing referrers to a real
 * docker-registry. Only the addresses are substituted; shell lines (mkdir, cd, echo, the wait
 * loop) run in `sh`, and `var=$(npx scitt …)` captures the output as the shell would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { registrySkip, startRegistry, type TestRegistry } from '../support/registry.js';

const root = new URL('../../..', import.meta.url).pathname;

/** The lines of the README's tour block, continuation lines joined, comments dropped. */
export function tourLines(readme: string): string[] {
  const block = readme.split('```sh').find((b) => b.includes('npx scitt key generate'));
  if (!block) throw new Error('README.md has no tour block');
  const text = block.split('```')[0]!.replace(/\\\n\s*/g, ' ');
  return text
    .split('\n')
    .map((l) => l.replace(/\s+#\s.*$/, '').trim())
    .filter((l) => l.length > 0);
}

/** The `scitt` commands of the tour block, as argument lists (for tests that only need those). */
export function tourCommands(readme: string): string[][] {
  return tourLines(readme)
    .map((l) => l.replace(/^\w+=\$\((.*)\)$/, '$1'))
    .filter((l) => l.startsWith('npx scitt '))
    .map((l) => l.slice('npx scitt '.length).split(/\s+/));
}

function scitt(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin/scitt.js'), ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function sh(line: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line], { cwd, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('README tour', { skip: registrySkip() }, () => {
  let registry: TestRegistry;
  let ledger: TestLedger | undefined;
  let dir: string;

  before(async () => {
    registry = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), 'scitt-readme-'));
  });
  after(async () => {
    await ledger?.destroy();
    await registry?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the tour\'s keys under a git-ignored directory', () => {
    const cds = tourLines(readFileSync(join(root, 'README.md'), 'utf8')).flatMap((l) => [...l.matchAll(/\bcd (\S+)/g)].map((m) => m[1]!));
    assert.ok(cds.length > 0, 'the tour changes into its own directory');
    const ignored = execFileSync('git', ['check-ignore', '--no-index', `${cds[0]}/vendor.key`], { cwd: root }).toString().trim();
    assert.equal(ignored, `${cds[0]}/vendor.key`);
  });

  it('runs every line of the tour block, in order, successfully', async () => {
    const lines = tourLines(readFileSync(join(root, 'README.md'), 'utf8'));
    assert.ok(lines.filter((l) => l.startsWith('npx scitt ') || /=\$\(npx scitt /.test(l)).length >= 7, 'the tour has its commands');
    const vars = new Map<string, string>();
    const subst = (s: string): string =>
      s
        .replaceAll('http://localhost:8080', ledger?.url ?? 'http://localhost:8080')
        .replaceAll('localhost:5000', registry.host)
        .replace(/"?\$(\w+)"?/g, (m, name: string) => vars.get(name) ?? m);
    let cwd = dir;
    for (const line of lines) {
      if (line === 'npm run build') continue; // the test runs the built CLI already
      const start = /^((?:\w+=\S+\s+)+)npm start &$/.exec(line);
      if (start) {
        const env = Object.fromEntries(start[1]!.trim().split(/\s+/).map((a) => [a.slice(0, a.indexOf('=')), subst(a.slice(a.indexOf('=') + 1))]));
        assert.ok(env.OCI_REGISTRIES, 'the start command names the registry to publish to');
        assert.equal(ledger, undefined, 'one start command');
        ledger = await startLedger({ env: { ...env, OCI_PUBLISH_RETRY_MIN_MS: '100', OCI_PUBLISH_RETRY_MAX_MS: '1000' } });
        continue;
      }
      const capture = /^(\w+)=\$\(npx scitt (.*)\)$/.exec(line);
      const command = capture ? capture[2]! : line.startsWith('npx scitt ') ? line.slice('npx scitt '.length) : undefined;
      if (command === undefined) {
        for (const part of line.split(/\s*&&\s*/)) {
          const cd = /^cd (\S+)$/.exec(part);
          if (cd) cwd = resolve(cwd, cd[1]!);
          else {
            const r = await sh(subst(part), cwd);
            assert.equal(r.code, 0, `${part}\n${r.stdout}\n${r.stderr}`);
          }
        }
        continue;
      }
      assert.ok(ledger, `the ledger is started before: ${line}`);
      const args = command.split(/\s+/).map(subst);
      let r = await scitt(args, cwd);
      if (args[0] === 'verify' && args[1]!.startsWith(registry.host)) {
        // the referrer publisher works in the background: wait until the receipt is in the registry
        const deadline = Date.now() + 30_000;
        while (r.code !== 0 && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 300));
          r = await scitt(args, cwd);
        }
      }
      assert.equal(r.code, 0, `scitt ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      if (capture) vars.set(capture[1]!, r.stdout.trim());
    }
    assert.match(vars.get('ref') ?? '', new RegExp(`^${registry.host}/app@sha256:[0-9a-f]{64}$`), 'scitt push printed the digest reference');
  });
});
