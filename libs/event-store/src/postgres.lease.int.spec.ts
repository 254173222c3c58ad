/**
 * The sequencer lease on real PostgreSQL (own schema, dropped): one holder at a time; the holder's
 * identity is readable; a closed holder frees the lease at once; a holder whose session the server
 * ends (as it does for a stopped node after the TTL) is told, and another node takes over.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, sql, testSchema } from '../test/postgres.fixture.js';
import { PostgresLease, holderQuery, leaseKey, sqlLiteral, type PostgresLeaseOptions } from './postgres.lease.js';

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

  it('a holder process stopped at any moment (SIGSTOP mid-heartbeat) loses the lease after its TTL', async () => {
    // Ten real holders, heartbeats back to back, each stopped at a random moment. When the lease
    // sent parameterised statements, a stop between the driver's Describe and its Bind left the
    // session waiting with no timeout: 5 of 20 such holders kept the lease for good.
    const ttlMs = 500;
    const child = fileURLToPath(new URL('../test/lease-holder-child.js', import.meta.url));
    const holders = Array.from({ length: 10 }, (_, i) => {
      const p = spawn(process.execPath, [child, POSTGRES_TEST_URL, schema, `stopped-${i}`, String(ttlMs), '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const held = new Promise<void>((resolve, reject) => {
        p.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        p.once('exit', (code) => reject(new Error(`holder ${i} exited (${code}) before it held the lease`)));
      });
      return { p, held, name: `stopped-${i}` };
    });
    try {
      await Promise.all(holders.map((h) => h.held));
      await Promise.all(holders.map(async (h) => {
        await new Promise((r) => setTimeout(r, Math.random() * 200));
        h.p.kill('SIGSTOP');
      }));
      const stoppedAt = Date.now();
      const successors = holders.map((h) => lease(`after-${h.name}`, { name: h.name, ttlMs }));
      const tookAfter = await Promise.all(successors.map(async (l) => {
        while (Date.now() - stoppedAt < ttlMs + 3000) {
          if (await l.tryAcquire()) return Date.now() - stoppedAt;
          await new Promise((r) => setTimeout(r, 50));
        }
        return -1;
      }));
      const kept = holders.filter((_, i) => tookAfter[i] === -1).map((h) => h.name);
      assert.deepEqual(kept, [], `stopped holders that kept their lease past TTL + 3 s: ${kept.join(', ')}`);
      console.log(`# 10 holders stopped mid-heartbeat: each lease taken over ${Math.min(...tookAfter)}–${Math.max(...tookAfter)} ms after the stop (TTL ${ttlMs} ms)`);
    } finally {
      for (const h of holders) {
        h.p.kill('SIGCONT');
        h.p.kill('SIGKILL');
      }
    }
  });

  it('writes its values into its statements as literals: quotes doubled, NUL refused, integers only', () => {
    assert.equal(sqlLiteral("node 'a'"), "'node ''a'''");
    assert.equal(sqlLiteral('back\\slash'), "'back\\slash'");
    assert.equal(sqlLiteral(42), '42');
    assert.equal(sqlLiteral(-9223372036854775808n), '-9223372036854775808');
    assert.throws(() => sqlLiteral('a\0b'), /NUL/);
    assert.throws(() => sqlLiteral(1.5), /not an integer/);
    assert.match(holderQuery(schema, leaseKey(schema, 'log-1')), new RegExp(`lease_key = '${leaseKey(schema, 'log-1')}'`));
  });

  it("a node id or URL with quotes in it is stored and read back as it is", async () => {
    const odd = lease("o'brien", { name: 'log-quotes', url: "http://o'brien.test/'; DROP TABLE x; --" });
    assert.equal(await odd.tryAcquire(), true);
    const seen = await lease('reader', { name: 'log-quotes' }).holder();
    assert.equal(seen?.nodeId, "o'brien");
    assert.equal(seen?.url, "http://o'brien.test/'; DROP TABLE x; --");
    assert.equal(await odd.check(), true);
    await odd.close();
  });
});
