/**
 * Statement identity in the claims projection (docs/receipts.md): a log written before the ledger
 * deduplicated by statement id may hold twins — the same signed content with a re-encoded signature.
 * The projection treats them as one statement: the twin supersedes nothing, is left out of listings,
 * and a revocation of either entry revokes both. A rebuild gives the same answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { createMemoryEventStore } from '../../libs/event-store/src/index.js';
import { REVOCATION_CONTENT_TYPE, type LedgerEvent } from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { statementIdOf } from '../../libs/receipt/src/index.js';
import { CLAIMS_TABLES, claimsProjection } from './claims.projection.js';
import { ClaimsReader } from './claims.reader.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { appendLedger, dumpTables } from './test/ledger-events.fixture.js';

const LOG = 'twins';
const S = `registry.example/app@sha256:${'cd'.repeat(32)}`;
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scitt-twins-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Entries in log order: `payload` is the signed content, `sig` the signature's fill byte. */
function log(rows: { payload: string; sig: number; ct?: string }[]): { events: LedgerEvent[][]; ids: string[]; entries: Uint8Array[] } {
  const ids: string[] = [];
  const entries: Uint8Array[] = [];
  const events = rows.map((r, index): LedgerEvent[] => {
    const ct = r.ct ?? 'application/json';
    const entry = encodeSign1({ protectedBytes: encodeCbor(new Map<number, unknown>([[1, -7], [3, ct]])), unprotectedHeader: new Map(), payload: new TextEncoder().encode(r.payload), signature: new Uint8Array(64).fill(r.sig) });
    const entryId = createHash('sha256').update(entry).digest('hex');
    ids.push(entryId);
    entries.push(entry);
    return [
      { type: 'EntryRegistered', index, entryId, leafHash: hashLeaf(entry), entry, iss: 'vendor', sub: S, contentType: ct, kid: 'aa', registeredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString() },
      { type: 'CheckpointSigned', treeSize: index + 1, root: new Uint8Array(32), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: '2025-01-01T00:00:00Z' },
    ];
  });
  return { events, ids, entries };
}

describe('claims projection: statement identity', () => {
  it('a twin supersedes nothing, is not listed, and shares its statement revocation (either way round)', async () => {
    const v1 = '{"version":1}';
    // 0 v1, 1 v2, 2 revokes v1, 3 the twin of v1 (another signature), 4 a twin of v2, 5 revokes the twin of v2
    const pre = log([{ payload: v1, sig: 1 }, { payload: '{"version":2}', sig: 2 }]);
    const { events, ids, entries } = log([
      { payload: v1, sig: 1 },
      { payload: '{"version":2}', sig: 2 },
      { payload: JSON.stringify({ revokes: [pre.ids[0]], reason: 'fixed in v2' }), sig: 3, ct: REVOCATION_CONTENT_TYPE },
      { payload: v1, sig: 4 },
      { payload: '{"version":2}', sig: 5 },
      { payload: 'placeholder', sig: 6, ct: REVOCATION_CONTENT_TYPE },
    ]);
    assert.equal(statementIdOf(entries[3]!), statementIdOf(entries[0]!));
    const last = log([{ payload: JSON.stringify({ revokes: [ids[4]], reason: 'v2 withdrawn' }), sig: 6, ct: REVOCATION_CONTENT_TYPE }]).events[0]!;
    events[5] = last.map((e) => (e.type === 'EntryRegistered' ? { ...e, index: 5 } : e.type === 'CheckpointSigned' ? { ...e, treeSize: 6 } : e));
    const store = createMemoryEventStore();
    await appendLedger(store, LOG, events, -1);
    const ps = new ProjectionStore({ path: join(dir, 'a.sqlite'), logId: LOG, projections: [claimsProjection] });
    await catchUp(store, ps, 'claims');
    const reader = new ClaimsReader(ps.db);
    const c = (i: number) => reader.claim(ids[i]!)!;
    assert.equal(c(3).duplicateOf, ids[0]);
    assert.equal(c(3).revoked, true, 'the twin of a revoked claim is revoked');
    assert.equal(c(1).supersededBy, undefined, 'the twin of v1 does not supersede v2');
    assert.equal(c(4).duplicateOf, ids[1]);
    assert.equal(c(1).revoked, true, 'revoking the twin of v2 revokes v2');
    assert.equal(c(1).revocation?.reason, 'v2 withdrawn');
    const listed = reader.claims({ subject: S }, { limit: 100 }).items.map((x) => x.index);
    assert.deepEqual(listed, [5, 2, 1, 0], 'duplicates are left out of listings');
    assert.equal(reader.stats().revoked, 2);
    const again = new ProjectionStore({ path: join(dir, 'b.sqlite'), logId: LOG, projections: [claimsProjection] });
    await catchUp(store, again, 'claims', 2);
    assert.deepEqual(dumpTables(again.db, CLAIMS_TABLES), dumpTables(ps.db, CLAIMS_TABLES), 'a rebuild gives the same rows');
    ps.close();
    again.close();
  });
});
