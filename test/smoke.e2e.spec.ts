import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

describe('project shape', () => {
  it('has the top level the README promises', () => {
    for (const p of ['package.json', 'nest-cli.json', 'src', 'libs', 'test', 'docker', 'docs', 'README.md', '.ci/run']) {
      assert.ok(existsSync(join(root, p)), `${p} is missing`);
    }
  });
  it('.ci/run runs the README test command', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.match(ci, /^npm test\b/m);
    assert.match(readme, /npm test/);
    assert.match(readme, /npm start/);
  });
});
