/**
 * The service on EVENT_STORE=postgres (real PostgreSQL, own schema, dropped afterwards): concurrent
 * registrations answer 201 with receipts that verify; the events are in PostgreSQL, not in the data
 * directory; a node started on an empty data directory with the same key rebuilds its log index
 * and projections from the store and serves the same receipts and queries.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryIdOf, toEntry, verifyReceipt } from '../../libs/receipt/src/index.js';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, sql, testSchema } from '../../libs/event-store/test/postgres.fixture.js';
import { register, serviceKeys, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

const skip = await needPostgres();

describe('the service on PostgreSQL (EVENT_STORE=postgres)', { skip, timeout: 120_000 }, () => {
  const schema = testSchema('e2e');
  const env = { EVENT_STORE: 'postgres', POSTGRES_URL: POSTGRES_TEST_URL, POSTGRES_SCHEMA: schema, RATE_LIMIT_PER_MINUTE: '0' };
  let issuer: TestIssuer;
  let first: TestLedger | undefined;
  let second: TestLedger | undefined;

  before(async () => {
    issuer = await makeIssuer('https://ci.postgres.example');
  });
  after(async () => {
    await first?.destroy().catch(() => undefined);
    await second?.destroy().catch(() => undefined);
    await dropSchema(schema);
  });

  it('registers, keeps the log in PostgreSQL, and a node on an empty data directory serves the same receipts', async () => {
    const policy = { version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] };
    first = await startLedger({ policy, env });
    const statements = await Promise.all(Array.from({ length: 40 }, (_, i) => signStatement(issuer, { sub: subjectOf(i) })));
    const receipts = new Map<string, Uint8Array>();
    await Promise.all(
      statements.map(async (s) => {
        const res = await register(first!.url, s);
        assert.equal(res.status, 201, await res.clone().text());
        receipts.set(entryIdOf(toEntry(s).entry), new Uint8Array(await res.arrayBuffer()));
      }),
    );
    const keys = await serviceKeys(first.url);
    for (const [i, s] of statements.entries()) {
      await verifyReceipt(receipts.get(entryIdOf(toEntry(s).entry))!, s, keys, { expectedIssuer: 'https://ledger.test', expectedLogId: 'test-log' }).catch((err: unknown) => assert.fail(`receipt ${i}: ${String(err)}`));
    }
    assert.equal(existsSync(join(first.dataDir, 'events.sqlite')), false, 'no embedded event store was created');
    const { rows } = await sql(`SELECT count(*)::int AS n FROM "${schema}".events WHERE stream = 'log-test-log' AND type = 'EntryRegistered'`);
    assert.equal(rows[0].n, 40);
    await first.close();

    // Another node: an empty data directory, the same service key — everything comes from the store.
    const dataDir = mkdtempSync(join(tmpdir(), 'scitt-ledger-pg-'));
    second = await startLedger({ policy, dataDir, env: { ...env, SERVICE_KEY_FILE: join(first.dataDir, 'service-key.json') } });
    for (const [id, receipt] of receipts) {
      const res = await fetch(`${second.url}/entries/${id}`);
      assert.equal(res.status, 200, `entry ${id}`);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), receipt, 'the same receipt');
    }
    let claims = 0;
    for (let i = 0; i < 200 && claims < 40; i++) {
      const page = (await (await fetch(`${second.url}/claims?issuer=${encodeURIComponent(issuer.iss)}&limit=100`)).json()) as { items?: unknown[] };
      claims = page.items?.length ?? 0;
      if (claims < 40) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(claims, 40, 'the projections were rebuilt from the store');
    const more = await signStatement(issuer, { sub: subjectOf(1000) });
    assert.equal((await register(second.url, more)).status, 201, 'and the log grows on');
    rmSync(first.dataDir, { recursive: true, force: true });
  });
});
