import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';

const index = new URL('./index.js', import.meta.url).href;

it('the worker-thread store opens in a process started with V8 flags (node --max-old-space-size=… main.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flags-'));
  try {
    const script = `
      const { openSqliteEventStore } = await import(${JSON.stringify(index)});
      const s = await openSqliteEventStore({ path: ${JSON.stringify(join(dir, 'e.sqlite'))} });
      const r = await s.append('a-1', [{ type: 'T', data: new Uint8Array([1]) }], 'no_stream');
      await s.close();
      console.log(JSON.stringify({ revision: r.nextExpectedRevision }));`;
    const out = execFileSync(process.execPath, ['--max-old-space-size=512', '--max-semi-space-size=16', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim()), { revision: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
