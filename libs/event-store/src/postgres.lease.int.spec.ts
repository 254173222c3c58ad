/**
 * The sequencer lease on real PostgreSQL (own schema, dropped): one holder at a time; the holder's
 * identity is readable; a closed holder frees the lease at once; a holder whose session the server
 * ends (as it does for a stopped node after the TTL) is told, and another node takes over.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, sql, testSchema } from '../test/postgres.fixture.js';
import { PostgresLease, leaseKey, type PostgresLeaseOptions } from './postgres.lease.js';

const skip = await needPostgres();

describe('postgres sequencer lease', { skip, timeout: 60_000 }, () => {
  const schema = testSchema('lease');
  const leases: PostgresLease[] = [];
  const lease = (nodeId: string, o: Partial<PostgresLeaseOptions> = {}): PostgresLease => {
    const l = new PostgresLease({ connectionString: POSTGRES_TEST_URL, schema, name: 'log-1', nodeId, url: `http://${nodeId}.test`, ttlMs: 1000, ...o });
    leases.push(l);
    return l;
  };
  after(async () => {
    for (const l of leases) await l.close();
    await dropSchema(schema);
  });

  it('derives a stable 64-bit key from schema and name', () => {
    assert.equal(leaseKey('a', 'log-1'), leaseKey('a', 'log-1'));
    assert.notEqual(leaseKey('a', 'log-1'), leaseKey('b', 'log-1'));
    assert.notEqual(leaseKey('a', 'log-1'), leaseKey('a', 'log-2'));
  });

  it('is held by exactly one of several nodes racing for it, and names its holder', async () => {
    await sql(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const racers = ['a', 'b', 'c', 'd'].map((n) => lease(n));
    const won = await Promise.all(racers.map((l) => l.tryAcquire()));
    assert.equal(won.filter(Boolean).length, 1, `exactly one holder: ${JSON.stringify(won)}`);
    const winner = racers[won.indexOf(true)]!;
    const holder = await racers[(won.indexOf(true) + 1) % 4]!.holder();
    assert.equal(holder?.url, `http://${['a', 'b', 'c', 'd'][won.indexOf(true)]}.test`);
    assert.equal(await winner.check(), true, 'the heartbeat proves it');
    assert.equal(await winner.tryAcquire(), true, 'taking it again is a no-op');
    await winner.close();
    const others = racers.filter((l) => l !== winner);
    const next = await Promise.all(others.map((l) => l.tryAcquire()));
    assert.equal(next.filter(Boolean).length, 1, 'a closed holder freed the lease at once');
    for (const l of others) await l.close();
  });

  it('a holder whose session ends is told and another node takes over; its identity is not trusted after', async () => {
    const lost: string[] = [];
    const a = lease('x', { onLost: (why) => lost.push(why), heartbeatMs: 100 });
    const b = lease('y');
    assert.equal(await a.tryAcquire(), true);
    assert.equal(await b.tryAcquire(), false);
    // what the server does to a silent (stopped, partitioned) holder after idle_session_timeout
    await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid IN (SELECT pid FROM "${schema}".sequencer_leases)`, [`scitt-ledger lease ${schema}`]);
    const t0 = Date.now();
    while (lost.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lost.length, 1, 'told once');
    assert.equal(a.held, false);
    assert.equal(await b.tryAcquire(), true, 'the other node takes the lease');
    assert.equal((await a.holder())?.url, 'http://y.test');
    assert.equal(await a.check(), false);
  });

  it('the server ends a silent holder after the TTL (idle_session_timeout): the lease frees without the holder', async () => {
    const lost: string[] = [];
    const a = lease('s', { name: 'log-2', ttlMs: 300, heartbeatMs: 60_000, onLost: (why) => lost.push(why) });
    const b = lease('t', { name: 'log-2', ttlMs: 300 });
    assert.equal(await a.tryAcquire(), true);
    const t0 = Date.now();
    let took = false;
    while (!took && Date.now() - t0 < 5000) {
      took = await b.tryAcquire();
      if (!took) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(took, 'the lease freed by itself');
    console.log(`# a holder silent for its 300 ms TTL lost the lease; the other node held it ${Date.now() - t0} ms after the holder's last statement`);
    const w = Date.now();
    while (lost.length === 0 && Date.now() - w < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lost.length, 1, 'and the silent holder learns it');
  });
});
