/**
 * Crash test for the PostgreSQL adapter: the appending process is killed with SIGKILL at random
 * moments (15 times), mid-append or between appends; the server must hold every append the child
 * acknowledged, with contiguous revisions, whole batches and dense positions (a transaction the
 * dead client left open is rolled back by the server, and used no position). Own schema, dropped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, testSchema } from '../test/postgres.fixture.js';
import { type Ack, checkAcknowledged, checkStoreAfterCrashes, runAndKill } from '../test/crash.support.js';
import { openPostgresEventStore } from './postgres.event-store.js';

const KILLS = 15;
const skip = await needPostgres();

describe('postgres event store: crash test (SIGKILL of the appender)', { skip, timeout: 180_000 }, () => {
  it(`keeps every acknowledged append, contiguous revisions, whole batches and dense positions across ${KILLS} kills`, async () => {
    const schema = testSchema('crash');
    const open = () => openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema, listen: false });
    try {
      const acked: Ack[] = [];
      for (let k = 0; k < KILLS; k++) {
        const acks = await runAndKill(['postgres', POSTGRES_TEST_URL, schema, `r${k}`]);
        assert.ok(acks.length > 0);
        acked.push(...acks);
        const store = await open();
        await checkAcknowledged(store, acks, String(k));
        await store.close();
      }
      const store = await open();
      const r = await checkStoreAfterCrashes(store, acked, KILLS);
      assert.equal(await store.headPosition(), BigInt(r.events), 'positions are dense: the head is the event count');
      await store.close();
      console.log(`# crash test (postgres): ${KILLS} kills, ${acked.length} acknowledged appends, ${r.batches} batches / ${r.events} events stored, ${r.unacknowledged} committed but unacknowledged`);
    } finally {
      await dropSchema(schema);
    }
  });
});
