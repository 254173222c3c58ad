/**
 * The background processors (projection writer, referrer publisher) in either place
 * PROCESSOR_THREAD allows — their own thread (default) or the HTTP thread — against the real
 * service: a claims query right after registration sees the caller's own claims (read-your-writes
 * across threads), /health/details shows the processors, and a restart keeps everything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { problemOf, register, startLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';
import { claimsProjection } from '../../src/projections/claims.projection.js';

for (const thread of ['worker', 'main'] as const) {
  describe(`PROCESSOR_THREAD=${thread}`, () => {
    it('queries see each registration at once, health lists the processors, a restart keeps the claims', async () => {
      const issuer = await makeIssuer(`https://ci.${thread}.example`, 'ES256');
      let ledger = await startLedger({
        env: { PROCESSOR_THREAD: thread },
        policy: { version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] },
      });
      const dataDir = ledger.dataDir;
      try {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const statement = await signStatement(issuer, { sub: subjectOf(i), payload: `{"n":${i}}` });
          const res = await register(ledger.url, statement);
          assert.equal(res.status, 201, res.status >= 400 ? JSON.stringify(await problemOf(res)) : String(res.status));
          await res.arrayBuffer();
          ids.push(entryIdOf(toEntry(statement).entry));
          // no waiting: the query waits for the projection to cover the log it saw
          const page = (await (await fetch(`${ledger.url}/claims?issuer=${encodeURIComponent(issuer.iss)}`)).json()) as { items: { entryId: string }[] };
          assert.deepEqual(page.items.map((c) => c.entryId), [...ids].reverse());
        }
        const health = (await (await fetch(`${ledger.url}/health/details`)).json()) as { processors: { name: string; running: boolean }[] };
        const names = health.processors.map((p) => p.name);
        assert.ok(names.includes(`projection:claims:v${claimsProjection.version}`), `processors: ${names.join(', ')}`);
        assert.ok(health.processors.every((p) => p.running), JSON.stringify(health.processors));

        ledger = await ledger.restart();
        const statement = await signStatement(issuer, { sub: subjectOf(3), payload: '{"n":3}' });
        const res = await register(ledger.url, statement);
        assert.equal(res.status, 201);
        await res.arrayBuffer();
        ids.push(entryIdOf(toEntry(statement).entry));
        const page = (await (await fetch(`${ledger.url}/claims?issuer=${encodeURIComponent(issuer.iss)}`)).json()) as { items: { entryId: string; index: number }[] };
        assert.deepEqual(page.items.map((c) => c.entryId), [...ids].reverse());
        assert.deepEqual(page.items.map((c) => c.index), [3, 2, 1, 0]);
      } finally {
        await ledger.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
