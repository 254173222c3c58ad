/**
 * Docs that run: the tour block of README.md is executed command by command — the real `scitt`
 * CLI as a child process, against a real ledger (in-process, embedded store) publishing referrers
 * to a real docker-registry. Only the addresses and the digest are substituted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { registrySkip, startRegistry, type TestRegistry } from '../support/registry.js';
import { pushTestCollection } from '../support/registry-collection.js';

const root = new URL('../../..', import.meta.url).pathname;

/** The shell commands of the README's tour block, continuation lines joined, comments dropped. */
export function tourCommands(readme: string): string[][] {
  const block = readme.split('```sh').find((b) => b.includes('npx scitt key generate'));
  if (!block) throw new Error('README.md has no tour block');
  const text = block.split('```')[0]!.replace(/\\\n\s*/g, ' ');
  return text
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
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

describe('README tour', { skip: registrySkip() }, () => {
  let registry: TestRegistry;
  let ledger: TestLedger;
  let dir: string;

  before(async () => {
    registry = await startRegistry();
    ledger = await startLedger({ env: { OCI_REGISTRIES: `${registry.host}=http`, OCI_PUBLISH_RETRY_MIN_MS: '100', OCI_PUBLISH_RETRY_MAX_MS: '1000' } });
    dir = mkdtempSync(join(tmpdir(), 'scitt-readme-'));
    writeFileSync(join(dir, 'sbom.spdx.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }));
  });
  after(async () => {
    await ledger?.destroy();
    await registry?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every command of the tour block, in order, successfully', async () => {
    const commands = tourCommands(readFileSync(join(root, 'README.md'), 'utf8'));
    assert.ok(commands.length >= 6, 'the tour has its commands');
    const collection = await pushTestCollection(registry.url, 'app');
    const digest = collection.descriptor.digest.replace(/^sha256:/, '');
    for (const command of commands) {
      const args = command.map((a) =>
        a.replaceAll('http://localhost:8080', ledger.url).replaceAll('localhost:5000', registry.host).replaceAll('<digest>', digest),
      );
      if (args[0] === 'verify' && args[1]!.startsWith(registry.host)) {
        // the referrer publisher works in the background: wait until the receipt is in the registry
        const deadline = Date.now() + 30_000;
        let r = await scitt(args, dir);
        while (r.code !== 0 && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 300));
          r = await scitt(args, dir);
        }
        assert.equal(r.code, 0, `scitt ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
        continue;
      }
      const r = await scitt(args, dir);
      assert.equal(r.code, 0, `scitt ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    }
  });
});
