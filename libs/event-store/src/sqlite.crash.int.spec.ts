/**
 * Crash test for the embedded store: a child process appends batches as fast as it can and is
 * killed with SIGKILL at random moments (25 times). After each kill and at the end the store must
 * hold every append the child acknowledged, with contiguous revisions and no partial batch.
 * SIGKILL tests process death (the OS page cache survives); power-loss durability rests on
 * WAL + synchronous=FULL (fsync before COMMIT returns) — see docs/event-store.md.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Ack, checkAcknowledged, checkStoreAfterCrashes, runAndKill } from '../test/crash.support.js';
import { openSqliteEventStore } from './sqlite.factory.js';

const KILLS = 25;

describe('sqlite event store: crash test (SIGKILL during appends)', { timeout: 180_000 }, () => {
  it(`keeps every acknowledged append, contiguous revisions and whole batches across ${KILLS} kills`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-store-crash-'));
    const path = join(dir, 'events.sqlite');
    try {
      const acked: Ack[] = [];
      for (let k = 0; k < KILLS; k++) {
        const acks = await runAndKill([path, `r${k}`]);
        assert.ok(acks.length > 0);
        acked.push(...acks);
        // reopen after each kill: everything acknowledged must be there
        const store = await openSqliteEventStore({ path });
        await checkAcknowledged(store, acks, String(k));
        await store.close();
      }
      const store = await openSqliteEventStore({ path });
      const r = await checkStoreAfterCrashes(store, acked, KILLS);
      await store.close();
      const raw = new Database(path, { readonly: true });
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
      raw.close();
      console.log(`# crash test: ${KILLS} kills, ${acked.length} acknowledged appends, ${r.batches} batches / ${r.events} events stored, ${r.unacknowledged} committed but unacknowledged`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
