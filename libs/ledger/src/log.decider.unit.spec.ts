import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashChildren, hashLeaf } from '../../merkle/src/index.js';
import type { CheckpointSigned, LedgerEvent } from './events.js';
import { decodeEventData, encodeEventData } from './events.js';
import { decideBatch, evolve, initialLogState, LogIntegrityError, planOf, sealBatch, stateAfter, type AdmittedEntry, type LogState } from './log.decider.js';

const now = new Date('2026-11-22T10:00:00Z');
const hashOfEmpty = createHash('sha256').digest();
const admitted = (n: number): AdmittedEntry => {
  const entry = new Uint8Array([0xd2, 0x84, 0x40, 0xa0, 0x41, n, 0x40]);
  const entryId = createHash('sha256').update(entry).digest('hex');
  return { entry, entryId, statementId: entryId, leafHash: hashLeaf(entry), iss: 'iss', sub: 'sub', contentType: 'text/plain', kid: 'aa' };
};
const given = (events: LedgerEvent[]): LogState => events.reduce(evolve, initialLogState());
/** decide a batch and seal it with a fake signature: the events a sequencer would append */
const when = (state: LogState, entries: AdmittedEntry[]): LedgerEvent[] => {
  const plan = decideBatch(state, entries, now);
  return [...plan.entries, sealBatch(plan, new Uint8Array([1]), new Uint8Array([2]), now)];
};

describe('log decider: given / when / then', () => {
  it('given an empty log, when two statements are sequenced, then they get indices 0 and 1 and one checkpoint', () => {
    const events = when(given([]), [admitted(1), admitted(2)]);
    assert.deepEqual(events.map((e) => e.type), ['EntryRegistered', 'EntryRegistered', 'CheckpointSigned']);
    assert.deepEqual(events.slice(0, 2).map((e) => (e as { index: number }).index), [0, 1]);
    const cp = events[2] as CheckpointSigned;
    assert.equal(cp.treeSize, 2);
    assert.deepEqual(cp.root, hashChildren(hashLeaf(admitted(1).entry), hashLeaf(admitted(2).entry)));
  });

  it('given a log of 3, when one more is sequenced, then it gets index 3 and the state folds without complaint', () => {
    const first = when(given([]), [admitted(1), admitted(2), admitted(3)]);
    const second = when(given(first), [admitted(4)]);
    assert.equal((second[0] as { index: number }).index, 3);
    const state = given([...first, ...second]);
    assert.equal(state.size, 4);
    assert.equal(state.lastCheckpoint?.treeSize, 4);
    assert.equal(state.events, 6);
  });

  it('replanning recorded entries (startup replay) yields the same tree and nodes as deciding them', () => {
    const state = given(when(given([]), [admitted(1), admitted(2), admitted(3)]));
    const plan = decideBatch(state, [admitted(4), admitted(5)], now);
    const replan = planOf(state, plan.entries);
    assert.deepEqual(replan.root, plan.root);
    assert.deepEqual(replan.nodes, plan.nodes);
    const seal = sealBatch(plan, new Uint8Array([1]), new Uint8Array([2]), now);
    assert.equal(stateAfter(state, plan, seal).size, 5);
  });

  it('reports every perfect subtree a batch completes (level 0 = leaves)', () => {
    const plan = decideBatch(initialLogState(), [1, 2, 3, 4].map(admitted), now);
    const ids = plan.nodes.map((n) => `${n.level}/${n.index}`).sort();
    assert.deepEqual(ids, ['0/0', '0/1', '0/2', '0/3', '1/0', '1/1', '2/0'].sort());
  });

  it('refuses a stream with a gap in the indices', () => {
    const events = when(given([]), [admitted(1), admitted(2)]);
    const gap = { ...(events[1] as object), index: 5 } as LedgerEvent;
    assert.throws(() => given([events[0]!, gap]), LogIntegrityError);
  });

  it('refuses a checkpoint whose root differs from the recomputed root', () => {
    const events = when(given([]), [admitted(1)]);
    const forged = { ...(events[1] as CheckpointSigned), root: new Uint8Array(32) };
    assert.throws(() => given([events[0]!, forged]), /differs from the recomputed root/);
  });

  it('refuses a checkpoint for the wrong size', () => {
    const events = when(given([]), [admitted(1)]);
    assert.throws(() => given([events[0]!, { ...(events[1] as CheckpointSigned), treeSize: 2 }]), /checkpoint for size 2 follows 1/);
  });

  it('refuses a checkpoint that closes no entries (a second checkpoint of one tree size, or one of the empty tree)', () => {
    const events = when(given([]), [admitted(1)]);
    const again = { ...(events[1] as CheckpointSigned), signature: new Uint8Array([3]) };
    assert.throws(() => given([...events, again]), /checkpoint for size 1 closes no entries/);
    assert.throws(() => given([{ ...again, treeSize: 0, root: hashOfEmpty }]), /checkpoint for size 0 closes no entries/);
    assert.equal(given([...events, ...when(given(events), [admitted(2)])]).lastCheckpoint?.treeSize, 2, 'a checkpoint after new entries folds');
  });

  it('events survive their JSON wire format byte for byte', () => {
    for (const e of when(given([]), [admitted(7)])) {
      assert.deepEqual(decodeEventData(e.type, encodeEventData(e)), e);
    }
  });
  it('refuses events it cannot read', () => {
    assert.throws(() => decodeEventData('EntryRegistered', new TextEncoder().encode('{"v":2}')), /unsupported version/);
    assert.throws(() => decodeEventData('PolicyChanged', new TextEncoder().encode('{"v":1,"digest":"a","policy":"{}","changedAt":"x","digest":"b"}')), /"digest" twice/);
    assert.throws(() => decodeEventData('Nope', new TextEncoder().encode('{}')), /unknown type/);
    assert.throws(() => decodeEventData('CheckpointSigned', new Uint8Array([0xff])), /not UTF-8 JSON/);
  });
});
