/**
 * The shared contract suite against a real KurrentDB / EventStoreDB server. No server runs in this
 * sandbox: the suite runs whenever KURRENTDB_CONNECTION_STRING is set (e.g. with
 * `docker compose -f docker/compose.yaml up -d kurrentdb` and
 * `KURRENTDB_CONNECTION_STRING='kurrentdb://localhost:2113?tls=false'`) and is skipped, saying so, otherwise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needConfigured } from '../../../test/support/external.js';
import { runEventStoreContract } from './contract/event-store.contract.js';
import { openKurrentDbEventStore } from './kurrentdb.event-store.js';

const connectionString = process.env.KURRENTDB_CONNECTION_STRING;
const skip = needConfigured(
  'KurrentDB',
  connectionString,
  "set KURRENTDB_CONNECTION_STRING, e.g. `docker compose -f docker/compose.yaml up -d kurrentdb` then KURRENTDB_CONNECTION_STRING='kurrentdb://localhost:2113?tls=false'",
);

if (connectionString) {
  runEventStoreContract(
    'kurrentdb',
    async () => {
      const store = await openKurrentDbEventStore({ connectionString });
      return { store, reopen: () => openKurrentDbEventStore({ connectionString }), cleanup: () => store.close() };
    },
    { timeoutMs: 180_000 },
  );
} else {
  describe('event store contract: kurrentdb', () => {
    it('runs the shared contract suite against a KurrentDB server', { skip }, () => undefined);
  });
}

describe('KurrentDB adapter without a server', () => {
  it('refuses a malformed connection string with a typed error', async () => {
    await assert.rejects(openKurrentDbEventStore({ connectionString: 'not a connection string' }), { code: 'ERR_EVENT_STORE_INVALID_ARGUMENT' });
  });

  it('reports an unreachable server as ERR_EVENT_STORE_UNAVAILABLE', { timeout: 30_000 }, async () => {
    await assert.rejects(
      openKurrentDbEventStore({ connectionString: 'kurrentdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=1&discoveryInterval=10&gossipTimeout=1&defaultDeadline=2000' }),
      { code: 'ERR_EVENT_STORE_UNAVAILABLE' },
    );
  });
});
