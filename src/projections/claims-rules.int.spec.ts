/**
 * The claims projection's v3 rules on a real SQLite file: subjects grouped by collection digest
 * whatever reference form registered them, implicit supersession per kind, explicit supersession
 * (header -65537), statement identity (two signature encodings of one statement are one claim:
 * a twin supersedes nothing, a revocation of either revokes both), and the status rows as of a
 * tree size.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { createMemoryEventStore } from '../../libs/event-store/src/index.js';
import { REVOCATION_CONTENT_TYPE, SUPERSEDES_HEADER_LABEL, type LedgerEvent } from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { statementIdOf } from '../../libs/receipt/src/index.js';
import { claimsProjection } from './claims.projection.js';
import { ClaimsReader } from './claims.reader.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { appendLedger } from './test/ledger-events.fixture.js';

const LOG = 'rules';
const D = `sha256:${'ab'.repeat(32)}`;
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scitt-claims-rules-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  iss: string;
  sub: string;
  ct: string;
  payload: string;
  supersedes?: number;
  revokes?: number[];
  /** the same signed bytes as row n, another signature */
  twinOf?: number;
}

function build(rows: Row[]): { events: LedgerEvent[]; ids: string[]; entries: Uint8Array[] } {
  const ids: string[] = [];
  const entries: Uint8Array[] = [];
  const events: LedgerEvent[] = [];
  rows.forEach((r, index) => {
    let protectedBytes: Uint8Array;
    let payload: Uint8Array;
    if (r.twinOf !== undefined) {
      const t = rows[r.twinOf]!;
      const h = new Map<number, unknown>([[1, -7], [3, t.ct]]);
      if (t.supersedes !== undefined) h.set(SUPERSEDES_HEADER_LABEL, ids[t.supersedes]);
      protectedBytes = encodeCbor(h);
      payload = new TextEncoder().encode(t.payload);
    } else {
      const h = new Map<number, unknown>([[1, -7], [3, r.ct]]);
      if (r.supersedes !== undefined) h.set(SUPERSEDES_HEADER_LABEL, ids[r.supersedes]);
      protectedBytes = encodeCbor(h);
      payload = new TextEncoder().encode(r.revokes ? JSON.stringify({ revokes: r.revokes.map((i) => ids[i]), reason: `r${index}` }) : r.payload);
    }
    const entry = encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature: new Uint8Array(64).fill(index + 1) });
    const entryId = createHash('sha256').update(entry).digest('hex');
    ids.push(entryId);
    entries.push(entry);
    const ct = r.revokes ? REVOCATION_CONTENT_TYPE : r.ct;
    events.push({ type: 'EntryRegistered', index, entryId, leafHash: hashLeaf(entry), entry, iss: r.iss, sub: r.sub, contentType: ct, kid: r.iss, registeredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString() });
    events.push({ type: 'CheckpointSigned', treeSize: index + 1, root: new Uint8Array(32), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: '2026-01-01T00:00:00Z' });
  });
  return { events, ids, entries };
}

describe('claims projection v3 rules', () => {
  it('digest keying, per-kind and explicit supersession, twins, revocation by statement identity, status rows', async () => {
    const SBOM = 'application/spdx+json';
    const SCAN = 'application/sarif+json';
    const { events, ids, entries } = build([
      { iss: 'V', sub: `vendor.example/acme/app@${D}`, ct: SBOM, payload: '{"sbom":0}' }, // 0
      { iss: 'V', sub: `oci://vendor.example/acme/app@${D}`, ct: SCAN, payload: '{"scan":1}' }, // 1 another kind: 0 stays current
      { iss: 'V', sub: `golden.example/prod/app:v1@${D}`, ct: SBOM, payload: '{"sbom":2}' }, // 2 same kind, same digest: supersedes 0
      { iss: 'V', sub: `vendor.example/acme/app@${D}`, ct: SBOM, payload: '', twinOf: 2 }, // 3 twin of 2: supersedes nothing, not 2
      { iss: 'C', sub: `golden.example/prod/app@${D}`, ct: SCAN, payload: '{"rescan":4}', supersedes: 1 }, // 4 explicit: supersedes 1
      { iss: 'V', sub: `vendor.example/acme/app@${D}`, ct: REVOCATION_CONTENT_TYPE, payload: '', revokes: [3] }, // 5 revokes the twin: both
      { iss: 'V', sub: `other.example/x@sha256:${'cd'.repeat(32)}`, ct: SBOM, payload: '{"other":6}' }, // 6 another digest
    ]);
    assert.equal(statementIdOf(entries[2]!), statementIdOf(entries[3]!), 'the twin is the same statement');
    const store = createMemoryEventStore();
    await appendLedger(store, LOG, [events], -1);
    const ps = new ProjectionStore({ path: join(dir, 'p.sqlite'), logId: LOG, projections: [claimsProjection] });
    try {
      await catchUp(store, ps, 'claims');
      const reader = new ClaimsReader(ps.db);
      const c = (i: number) => reader.claim(ids[i]!)!;
      assert.equal(c(0).supersession?.byEntryId, ids[2]);
      assert.equal(c(0).supersession?.how, 'implicit');
      assert.equal(c(1).supersession?.byEntryId, ids[4], 'explicit supersession across issuers (admission checked the policy)');
      assert.equal(c(1).supersession?.how, 'explicit');
      assert.equal(c(2).supersededBy, undefined, 'a twin does not supersede the statement it repeats');
      assert.equal(c(3).supersededBy, undefined);
      assert.equal(c(2).revocation?.byEntryId, ids[5], 'revoking one encoding revokes the statement');
      assert.equal(c(3).revocation?.byEntryId, ids[5]);
      assert.equal(c(4).current, true);
      assert.equal(c(2).statementId, c(3).statementId);
      for (const form of [D, `vendor.example/acme/app@${D}`, `oci://golden.example/prod/app@${D}`, `golden.example/prod/app:v1@${D}`]) {
        assert.deepEqual(reader.claims({ subject: form }, { limit: 100 }).items.map((x) => x.index), [5, 4, 2, 1, 0], form); // the twin (3) is a duplicate: not listed
      }
      assert.deepEqual(reader.references(D), [`vendor.example/acme/app@${D}`, `golden.example/prod/app@${D}`], 'normalised: oci:// and the tag dropped');
      assert.equal(reader.stats().revoked, 1, 'one statement revoked (two encodings of it)');
      assert.equal(c(3).duplicateOf, ids[2]);
      const st = reader.subjectStatusAtCheckpoint(D)!;
      assert.equal(st.treeSize, 7);
      assert.deepEqual(st.rows.map((r) => [r.index, r.state, r.byIndex]), [[0, 'superseded', 2], [1, 'superseded', 4], [2, 'revoked', 5], [3, 'revoked', 5]]);
      assert.deepEqual(reader.subjectStatus(D, 5).map((r) => [r.index, r.state]), [[0, 'superseded'], [1, 'superseded']], 'as of tree size 5 the revocation (index 5) is not there yet');
      assert.deepEqual(reader.subjectStatus(D, 3).map((r) => r.index), [0]);
    } finally {
      ps.close();
    }
  });
});
