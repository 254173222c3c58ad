/** docs/events.md shows the JSON Schemas the library exports, exactly (docs that run). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloudEventHeadersSchema, integrationEventSchemas } from './integration-event.schemas.js';

const DOC = join(new URL('../../../..', import.meta.url).pathname, 'docs', 'events.md');

describe('docs/events.md, section "Integration events (Kafka)"', () => {
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const start = text.indexOf('## Integration events (Kafka)');
  const next = text.indexOf('\n## ', start + 1);
  const section = start < 0 ? '' : text.slice(start, next < 0 ? undefined : next);

  it('exists', () => assert.ok(section.length > 0, `${DOC} has no "## Integration events (Kafka)" section`));

  it('shows every exported schema exactly as the library defines it', () => {
    const shown = new Map<string, unknown>();
    for (const m of section.matchAll(/```json\n([\s\S]*?)\n```/g)) {
      const v = JSON.parse(m[1]!) as { $id?: string };
      if (v.$id) shown.set(v.$id, v);
    }
    for (const s of [...Object.values(integrationEventSchemas), cloudEventHeadersSchema] as { $id: string }[]) {
      assert.deepEqual(shown.get(s.$id), JSON.parse(JSON.stringify(s)), `schema ${s.$id} in docs/events.md differs from libs/kafka`);
    }
  });

  it('names every event type and its id scheme', () => {
    for (const t of Object.keys(integrationEventSchemas)) assert.ok(section.includes(t), `${t} is not documented`);
    for (const id of ['<logId>:entry:<index>', '<logId>:checkpoint:<treeSize>', '<logId>:revocation:<revocationIndex>:<revokedEntryId>']) assert.ok(section.includes(id), id);
  });
});
