/**
 * A bad configuration refuses before any I/O (real process, `node dist/src/main.js`): one error
 * naming every bad variable, exit code 1, and a fresh data directory neither created nor
 * initialised — before, a bad OCI_REGISTRIES was only read after the log had been replayed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const rebuild = fileURLToPath(new URL('../../src/projections/projections-rebuild.main.js', import.meta.url));

function run(script: string, env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', PORT: '0', HOST: '127.0.0.1', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('a bad configuration', () => {
  const bad = { OCI_REGISTRIES: 'registry.example=ftp', SEQUENCER_MAX_BATCH: '0' };

  it('stops the service with one error naming both variables; a fresh DATA_DIR is not created', () => {
    const root = mkdtempSync(join(tmpdir(), 'scitt-config-'));
    try {
      const dataDir = join(root, 'data');
      const r = run(main, { DATA_DIR: dataDir, ...bad });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^scitt-ledger: couldn't start: 2 settings are not valid:/);
      assert.match(r.stderr, /OCI_REGISTRIES: "registry.example=ftp" is not valid/);
      assert.match(r.stderr, /SEQUENCER_MAX_BATCH="0" is not valid/);
      assert.equal(existsSync(dataDir), false, 'the data directory was created');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves an existing empty DATA_DIR empty (no lock, key, log id or store), and so does the rebuild', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scitt-config-'));
    try {
      for (const script of [main, rebuild]) {
        const r = run(script, { DATA_DIR: dataDir, ...bad });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /OCI_REGISTRIES/);
        assert.match(r.stderr, /SEQUENCER_MAX_BATCH/);
        assert.deepEqual(readdirSync(dataDir), [], script);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
