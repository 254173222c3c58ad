/**
 * Start-up refuses to serve a log it cannot vouch for: an event store replaced under an existing
 * log index, and entry bytes changed in the event store (the replay recomputes every leaf hash
 * and entry id, so the root check covers the bytes), and a log index whose stored right edge was
 * changed. Large batches are cut by bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeCbor, encodeCbor } from '../../libs/cose/src/index.js';
import { slotOf, tileOf } from '../../src/log/log-index.tiles.js';
import { register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

describe('start-up integrity', () => {
  let issuer: TestIssuer;
  const policy = (i: TestIssuer) => ({ version: 1, mode: 'production', issuers: [{ iss: i.iss, keys: [{ jwk: i.jwk }] }] });
  const cleanup: string[] = [];

  before(async () => {
    issuer = await makeIssuer('https://ci.integrity.example');
  });
  after(() => {
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  async function ledgerWith(n: number): Promise<TestLedger> {
    const ledger = await startLedger({ policy: policy(issuer) });
    cleanup.push(ledger.dataDir);
    for (let i = 0; i < n; i++) assert.equal((await register(ledger.url, await signStatement(issuer, { sub: subjectOf(i) }))).status, 201);
    return ledger;
  }

  it('refuses an event store that lost what the log index already holds', async () => {
    const ledger = await ledgerWith(3);
    await ledger.close();
    for (const f of ['events.sqlite', 'events.sqlite-wal', 'events.sqlite-shm']) rmSync(join(ledger.dataDir, f), { force: true });
    await assert.rejects(startLedger({ policy: policy(issuer), dataDir: ledger.dataDir }), /event store was replaced or restored/);
  });

  it('refuses entry bytes that no longer match their leaf hash (replay from scratch)', async () => {
    const ledger = await ledgerWith(2);
    await ledger.close();
    rmSync(join(ledger.dataDir, 'log-index.sqlite'), { force: true });
    const db = new Database(join(ledger.dataDir, 'events.sqlite'));
    const row = db.prepare("SELECT rowid AS id, data FROM events WHERE type = 'EntryRegistered' ORDER BY rowid LIMIT 1").get() as { id: number; data: Buffer };
    // EntryRegistered v2 (deterministic CBOR): change one byte of the entry, re-encode — still a
    // well-formed event, other bytes
    const event = decodeCbor(new Uint8Array(row.data)) as { entry: Uint8Array };
    event.entry[event.entry.length - 10]! ^= 0x01;
    db.prepare('UPDATE events SET data = ? WHERE rowid = ?').run(encodeCbor(event), row.id);
    db.close();
    await assert.rejects(startLedger({ policy: policy(issuer), dataDir: ledger.dataDir }), /bytes do not match its leaf hash or entry id/);
  });

  it('refuses a log index whose stored right edge differs from its snapshot (a restart trusts the index only after this check)', async () => {
    const ledger = await ledgerWith(3); // tree of 3: the right edge is nodes (1, 0) and (0, 2)
    await ledger.close();
    const db = new Database(join(ledger.dataDir, 'log-index.sqlite'));
    // node (0, 2) is in tile 0 (levels 0–3 of leaves 0–15), at its slot
    const nodes = db.prepare('SELECT nodes FROM tiles WHERE t = ?').pluck().get(tileOf(0, 2)) as Buffer;
    nodes.fill(7, 32 * slotOf(0, 2), 32 * slotOf(0, 2) + 32);
    assert.equal(db.prepare('UPDATE tiles SET nodes = ? WHERE t = ?').run(nodes, tileOf(0, 2)).changes, 1);
    db.close();
    await assert.rejects(startLedger({ policy: policy(issuer), dataDir: ledger.dataDir }), /stored tree node \(0, 2\) differs from its right edge at 3 entries/);
    // the index is derived: deleting it rebuilds it from the event store, and the log serves again
    for (const f of ['log-index.sqlite', 'log-index.sqlite-wal', 'log-index.sqlite-shm']) rmSync(join(ledger.dataDir, f), { force: true });
    const again = await startLedger({ policy: policy(issuer), dataDir: ledger.dataDir });
    assert.equal((await register(again.url, await signStatement(issuer, { sub: subjectOf(3) }))).status, 201);
    await again.close();
  });

  it('cuts batches by bytes: many statements under a small byte budget each get a checkpoint of their own batch', async () => {
    const ledger = await startLedger({ policy: policy(issuer), env: { SEQUENCER_MAX_BATCH_BYTES: '1024', RATE_LIMIT_PER_MINUTE: '0' } });
    cleanup.push(ledger.dataDir);
    const statements = await Promise.all(Array.from({ length: 12 }, (_, i) => signStatement(issuer, { sub: subjectOf(100 + i), payload: `{"pad":"${'x'.repeat(400)}"}` })));
    const statuses = await Promise.all(statements.map(async (s) => (await register(ledger.url, s)).status));
    assert.deepEqual(statuses, new Array(12).fill(201));
    const checkpoints = ledger.index.checkpoints(0, 100);
    // each statement is > 512 bytes, so no batch holds more than one of them under a 1,024-byte budget
    assert.equal(checkpoints.length, 12);
    await ledger.close();
  });
});
