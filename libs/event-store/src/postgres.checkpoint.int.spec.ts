/**
 * Processor checkpoints shared in PostgreSQL (own schema, dropped): saved by one node, loaded by
 * another; a save never moves a checkpoint back; a processor without a row starts from the
 * fallback (the node's own checkpoint before they were shared); bad arguments are refused.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, testSchema } from '../test/postgres.fixture.js';
import { createMemoryCheckpointStore } from './checkpoint.store.js';
import { openPostgresCheckpointStore } from './postgres.checkpoint.js';

const skip = await needPostgres();

describe('postgres checkpoint store', { skip, timeout: 30_000 }, () => {
  const schema = testSchema('cp');
  after(() => dropSchema(schema));

  it('is shared by nodes, never moves back, and falls back to the local checkpoint until it has a row', async () => {
    const local = createMemoryCheckpointStore();
    await local.save('kafka:t:log', 40n);
    const a = openPostgresCheckpointStore({ connectionString: POSTGRES_TEST_URL, schema, fallback: local });
    const b = openPostgresCheckpointStore({ connectionString: POSTGRES_TEST_URL, schema });
    try {
      assert.deepEqual(await Promise.all([a.load('kafka:t:log'), b.load('kafka:t:log')]), [40n, undefined], 'created at once; a falls back to its own');
      await a.save('kafka:t:log', 50n);
      assert.equal(await b.load('kafka:t:log'), 50n, 'the other node sees it');
      await b.save('kafka:t:log', 70n);
      await a.save('kafka:t:log', 60n); // the old leader's batch in hand, saved after the new leader's
      assert.equal(await a.load('kafka:t:log'), 70n, 'never moved back');
      await local.save('kafka:t:log', 999n);
      assert.equal(await a.load('kafka:t:log'), 70n, 'a shared row wins over the fallback');
      await assert.rejects(a.save('', 1n), { code: 'ERR_EVENT_STORE_INVALID_ARGUMENT' });
      await assert.rejects(a.save('p', -1n), { code: 'ERR_EVENT_STORE_INVALID_ARGUMENT' });
      await assert.rejects(a.save('p', 2n ** 63n), { code: 'ERR_EVENT_STORE_INVALID_ARGUMENT' });
    } finally {
      await a.close();
      await b.close();
    }
    await assert.rejects(a.load('kafka:t:log'), { code: 'ERR_EVENT_STORE_CLOSED' });
  });
});
