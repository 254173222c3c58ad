/**
 * The publishers' fence on real PostgreSQL (own schema, dropped): it lets the node holding the
 * sequencer lease publish, refuses every other node, and refuses the holder once its lease is gone.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PostgresLease } from '../../libs/event-store/src/index.js';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, sql, testSchema } from '../../libs/event-store/test/postgres.fixture.js';
import { loadConfig } from '../infrastructure/config.js';
import { openLeaderGuard } from './leader-guard.js';

const skip = await needPostgres();

describe('leader guard', { skip, timeout: 30_000 }, () => {
  const schema = testSchema('guard');
  after(() => dropSchema(schema));
  const config = (id: string, role = 'auto') =>
    loadConfig({ EVENT_STORE: 'postgres', POSTGRES_URL: POSTGRES_TEST_URL, POSTGRES_SCHEMA: schema, NODE_ROLE: role, NODE_ID: id, NODE_URL: `http://${id}.test`, LOG_ID: 'g', SERVICE_KEY_FILE: '/k.pem', SERVICE_ISSUER: 'https://l.test', NODE_SECRET_FILE: '/node-secret' }, '/tmp');

  it('passes on the lease holder only, and not after it lost the lease; a single node has none', async () => {
    assert.equal(openLeaderGuard(loadConfig({}, '/tmp'), 'g'), undefined);
    await sql(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const lease = new PostgresLease({ connectionString: POSTGRES_TEST_URL, schema, name: 'log-g', nodeId: 'a', url: 'http://a.test', ttlMs: 2000 });
    const [a, b] = [openLeaderGuard(config('a'), 'g')!, openLeaderGuard(config('b', 'follower'), 'g')!];
    try {
      await assert.rejects(a.check(), 'before anyone ever led (no lease table yet)');
      assert.equal(await lease.tryAcquire(), true);
      await a.check();
      await assert.rejects(b.check(), (err: Error & { code?: string }) => err.code === 'ERR_NOT_LEADER' && /node a does/.test(err.message));
      await lease.close(); // the session ends: the server releases the lock
      await assert.rejects(a.check(), (err: Error & { code?: string }) => err.code === 'ERR_NOT_LEADER' && /\(nobody does\)/.test(err.message));
    } finally {
      await lease.close();
      await a.close();
      await b.close();
    }
  });
});
