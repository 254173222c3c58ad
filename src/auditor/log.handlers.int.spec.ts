/**
 * GetInclusionProofHandler by entry id against a real log index: the id lookup's candidate is
 * confirmed by the entry id the proof's own statement reads from its tile, and an id that shares
 * its first 32 bits with another entry (the lookup's key) is told apart — a proof of the other
 * entry is never answered for it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompactRange, hashLeaf, verifyInclusion } from '../../libs/merkle/src/index.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { hex, inTempDir, storedTree } from '../log/test/log-index.fixture.js';
import { GetInclusionProof } from './auditor.queries.js';
import { GetInclusionProofHandler } from './log.handlers.js';

/** an id with the same first 32 bits (8 hex digits) as `id` */
const twinOf = (id: string, last: string): string => `${id.slice(0, 8)}${last.repeat(56)}`;

describe('GetInclusionProofHandler by entry id', () => {
  it('answers the entry asked for, also when another entry shares its first 32 bits, and 404 for an id not held', async () => {
    return inTempDir(async (dir) => {
      const n = 21;
      const shared = hex('shared prefix');
      const ids = Array.from({ length: n }, (_, i) => (i === 3 ? twinOf(shared, 'a') : i === 11 ? twinOf(shared, 'b') : hex(`entry ${i}`)));
      const entries = ids.map((entryId, i) => ({
        index: i, entryId, statementId: hex(`statement ${i}`), iss: 'https://ci.example', sub: 'sub', contentType: 'text/plain',
        kid: 'k', registeredAt: new Date(0).toISOString(), receiptTreeSize: n, entry: new TextEncoder().encode(`entry ${i}`),
      }));
      const leaves = entries.map((e) => hashLeaf(e.entry));
      const { nodes, range } = storedTree(leaves);
      const index = new LogIndexStore(join(dir, 'log-index.sqlite'), { keepLatest: true });
      const checkpoint = { treeSize: n, root: range.root(), protectedHeader: new Uint8Array([0xa0]), signature: new Uint8Array(64), signedAt: new Date(0).toISOString() };
      index.writeBatch({ entries, nodes, checkpoint, range, appliedEvents: n + 1 });
      const handler = new GetInclusionProofHandler(index);
      assert.equal(index.likelyIndexOf(ids[11]!), 3, 'the lookup guesses the first of the two');
      for (const i of [0, 3, 11, 20]) {
        const byId = await handler.execute(new GetInclusionProof({ entryId: ids[i]! }, undefined));
        const byIndex = await handler.execute(new GetInclusionProof({ index: i }, undefined));
        assert.deepEqual(byId, byIndex, `entry ${i} by id and by index`);
        assert.deepEqual([byId.entryId, byId.leafIndex, byId.leafHash], [ids[i], i, leaves[i]]);
        verifyInclusion(leaves[i]!, i, n, byId.path, range.root());
        const older = await handler.execute(new GetInclusionProof({ entryId: ids[i]! }, i + 1));
        verifyInclusion(leaves[i]!, i, i + 1, older.path, (() => {
          const r = new CompactRange();
          leaves.slice(0, i + 1).forEach((l) => r.append(l));
          return r.root();
        })());
      }
      await assert.rejects(handler.execute(new GetInclusionProof({ entryId: twinOf(shared, 'c') }, undefined)), /no entry .* in this log/, 'same first 32 bits, not held');
      await assert.rejects(handler.execute(new GetInclusionProof({ entryId: hex('not held') }, undefined)), /no entry .* in this log/);
      await assert.rejects(handler.execute(new GetInclusionProof({ entryId: ids[11]! }, 5)), /has index 11: it is not in the tree of size 5/);
      await assert.rejects(handler.execute(new GetInclusionProof({ entryId: twinOf(shared, 'c') }, n + 5)), /no entry .* in this log/, 'not held answers before a tree size beyond the log');
      await assert.rejects(handler.execute(new GetInclusionProof({ entryId: ids[3]! }, n + 5)), /treeSize=26 is beyond the log/);
      index.close();
    });
  });
});
