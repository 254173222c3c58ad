import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadPolicy } from './policy.loader.js';

Logger.overrideLogger(false);

describe('loadPolicy refuses duplicate keys (a policy two readers could read differently)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-policy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('loads a policy without duplicates', () => {
    assert.equal(loadPolicy(file('ok.json', '{"version":1,"mode":"production","issuers":[]}')).policy.mode, 'production');
  });

  const refused: [string, string][] = [
    ['dup.json', '{"version":1,"mode":"development","issuers":[],"mode":"production"}'],
    ['escaped.json', '{"version":1,"mode":"development","issuers":[],"\\u006dode":"production"}'],
    ['dup.yaml', 'version: 1\nmode: development\nissuers: []\nmode: production\n'],
    ['number-vs-string.yaml', 'version: 1\nmode: production\nissuers: []\nalgorithms: [ES256]\nextra:\n  1: a\n  "1": b\n'],
  ];
  for (const [name, text] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => loadPolicy(file(name, text)), /unique/i));
  }
});
