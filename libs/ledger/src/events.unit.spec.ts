import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCbor, toHex } from '../../cose/src/index.js';
import { CBOR_EVENT_CONTENT_TYPE, decodeEventData, decodeRecordedEvent, encodeEventData, EventDecodeError, toStoredEvent, toStoredEvents, type CheckpointSigned, type EntryRegistered } from './events.js';
import { toBase64Url } from './base64url.js';

const entry = (over: Partial<EntryRegistered> = {}): EntryRegistered => ({
  type: 'EntryRegistered',
  index: 41,
  entryId: 'ab'.repeat(32),
  leafHash: new Uint8Array(32).fill(3),
  entry: Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff),
  iss: 'https://ci.example/"quoted"\\path\u2028',
  sub: 'registry.example/app@sha256:' + '0'.repeat(64),
  contentType: 'application/spdx+json',
  kid: 'x5t:' + 'cd'.repeat(32),
  registeredAt: '2026-12-06T11:00:00.000Z',
  ...over,
});

/** the generic form: every member but `type`, binary ones as base64url, after `v` */
function generic(e: EntryRegistered): Uint8Array {
  const ordered = { v: 1, index: e.index, entryId: e.entryId, leafHash: toBase64Url(e.leafHash), entry: toBase64Url(e.entry), iss: e.iss, sub: e.sub, contentType: e.contentType, kid: e.kid, registeredAt: e.registeredAt };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

describe('ledger events', () => {
  it('writes EntryRegistered exactly as JSON.stringify writes its generic form, escapes included', () => {
    for (const e of [entry(), entry({ iss: 'plain', sub: 'ünïcödé \u0000 \ud83d\ude00', contentType: '', index: 0 }), entry({ entry: new Uint8Array(0) })]) {
      assert.deepEqual(Buffer.from(encodeEventData(e)).toString(), Buffer.from(generic(e)).toString());
      assert.deepEqual(decodeEventData('EntryRegistered', encodeEventData(e)), e);
    }
  });

  it('an EntryRegistered with a member more is written by the generic path, the member kept', () => {
    const e = { ...entry(), extra: 1 } as unknown as EntryRegistered;
    assert.equal((decodeEventData('EntryRegistered', encodeEventData(e)) as unknown as { extra: number }).extra, 1);
  });

  it('decodeRecordedEvent decodes each event object once and gives the same result to the next caller', () => {
    const data = encodeEventData(entry());
    const first = decodeRecordedEvent({ type: 'EntryRegistered', data });
    assert.equal(decodeRecordedEvent({ type: 'EntryRegistered', data }), first, 'the same object');
    assert.deepEqual(first, entry());
    const copy = new Uint8Array(data);
    assert.notEqual(decodeRecordedEvent({ type: 'EntryRegistered', data: copy }), first, 'other bytes: decoded on their own');
    const other = decodeRecordedEvent({ type: 'CheckpointSigned', data });
    assert.equal(other.type, 'CheckpointSigned', 'the same bytes under another type are decoded as that type');
  });
});

/** v2's members as a plain object (what the encoding is made of), with `over` replacing or adding members */
const members = (e: EntryRegistered, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  v: 2, index: e.index, entryId: e.entryId, leafHash: e.leafHash, entry: e.entry, iss: e.iss, sub: e.sub, contentType: e.contentType, kid: e.kid, registeredAt: e.registeredAt, ...over,
});

const refused = (data: Uint8Array, why: RegExp): void => {
  assert.throws(() => decodeEventData('EntryRegistered', data), (err: unknown) => err instanceof EventDecodeError && why.test(err.message));
};

describe('EntryRegistered v2 (deterministic CBOR)', () => {
  it('is what the service stores: a CBOR map of the members, decoded back to the same event', () => {
    for (const e of [entry(), entry({ iss: 'plain', sub: 'ünïcödé \u0000 \ud83d\ude00', contentType: '', index: 0 }), entry({ entry: new Uint8Array(0), index: 2 ** 53 - 1 })]) {
      const stored = toStoredEvent(e);
      assert.equal(stored.contentType, CBOR_EVENT_CONTENT_TYPE);
      assert.equal(stored.data[0], 0xaa, 'a map of 10 members');
      assert.deepEqual(stored.data, encodeCbor(members(e)), 'deterministic: keys sorted by their encoding, shortest heads');
      assert.deepEqual(decodeEventData('EntryRegistered', stored.data), e);
    }
  });

  it('toStoredEvents: the same bytes as toStoredEvent for each event, small EntryRegistered views into one buffer, the others bytes of their own', () => {
    const cp: CheckpointSigned = { type: 'CheckpointSigned', treeSize: 3, root: new Uint8Array(32), protectedHeader: Uint8Array.of(0xa0), signature: new Uint8Array(64), signedAt: '2026-12-06T11:00:00.000Z' };
    const big = entry({ index: 43, entry: new Uint8Array(16 * 1024 + 1).fill(9) });
    const edge = entry({ index: 44, entry: new Uint8Array(16 * 1024).fill(8) });
    const odd = { ...entry({ index: 45 }), extra: 1 } as unknown as EntryRegistered; // stored as JSON v1
    const events = [entry({ index: 41 }), big, entry({ index: 42, entry: new Uint8Array(0) }), edge, odd, cp];
    const stored = toStoredEvents(events);
    assert.equal(stored.length, events.length);
    stored.forEach((s, i) => {
      const one = toStoredEvent(events[i]!);
      assert.equal(s.contentType, one.contentType, `event ${i}`);
      assert.equal(toHex(s.data), toHex(one.data), `event ${i}`);
      assert.deepEqual(decodeEventData(events[i]!.type, s.data), decodeEventData(events[i]!.type, one.data));
    });
    const shared = stored[0]!.data.buffer;
    assert.deepEqual(stored.map((s) => s.data.buffer === shared), [true, false, true, true, false, false]);
    assert.equal(stored[1]!.data.byteLength, stored[1]!.data.buffer.byteLength, 'a large event is alone in its buffer');
    assert.deepEqual(toStoredEvents([]), []);
  });

  it("decodes entry and leafHash as views into the event's data (no copies: the data is not changed after it is read)", () => {
    const stored = toStoredEvent(entry());
    const decoded = decodeEventData('EntryRegistered', stored.data) as EntryRegistered;
    assert.equal(decoded.entry.buffer, stored.data.buffer);
    assert.equal(decoded.leafHash.buffer, stored.data.buffer);
  });

  it('has these bytes (the format is pinned: docs/events.md)', () => {
    const e = entry({ entry: Uint8Array.of(0xd2, 0x84), leafHash: new Uint8Array(32), iss: 'i', sub: 's', contentType: 'c', kid: 'k', index: 7, entryId: 'e' });
    const text = (t: string): string => (0x60 + t.length).toString(16) + Buffer.from(t).toString('hex'); // text strings under 24 bytes
    // a map of 10 (0xaa); keys sorted by their encoding: shorter first, then bytewise
    const expected = [
      ['v', '02'],
      ['iss', text('i')],
      ['kid', text('k')],
      ['sub', text('s')],
      ['entry', '42d284'],
      ['index', '07'],
      ['entryId', text('e')],
      ['leafHash', '5820' + '00'.repeat(32)],
      ['contentType', text('c')],
      ['registeredAt', '7818' + Buffer.from('2026-12-06T11:00:00.000Z').toString('hex')],
    ].map(([k, v]) => text(k!) + v);
    assert.equal(toHex(toStoredEvent(e).data), 'aa' + expected.join(''));
  });

  it('the other events stay JSON, and a JSON EntryRegistered (v1, written before) reads as the same event', () => {
    const cp: CheckpointSigned = { type: 'CheckpointSigned', treeSize: 3, root: new Uint8Array(32), protectedHeader: Uint8Array.of(0xa0), signature: new Uint8Array(64), signedAt: '2026-12-06T11:00:00.000Z' };
    assert.equal(toStoredEvent(cp).contentType, 'application/json');
    assert.equal(toStoredEvent(cp).data[0], 0x7b);
    const e = entry();
    assert.deepEqual(decodeEventData('EntryRegistered', encodeEventData(e)), decodeEventData('EntryRegistered', toStoredEvent(e).data));
  });

  it('is decoded once per event object, as JSON events are', () => {
    const stored = { type: 'EntryRegistered', data: toStoredEvent(entry()).data };
    assert.equal(decodeRecordedEvent(stored), decodeRecordedEvent(stored));
  });

  it('refuses anything but exactly its members, each of its type', () => {
    const e = entry();
    const without = members(e);
    delete without.kid;
    refused(encodeCbor(without), /members .*want/);
    refused(encodeCbor(members(e, { extra: 1 })), /members .*want/);
    refused(encodeCbor(members(e, { v: 1 })), /unsupported version 1/);
    refused(encodeCbor(members(e, { v: 3 })), /unsupported version 3/);
    refused(encodeCbor(members(e, { index: -1 })), /index is not a non-negative integer/);
    refused(encodeCbor(members(e, { index: '41' })), /index is not a non-negative integer/);
    refused(encodeCbor(members(e, { index: 1.5 })), /strict CBOR/);
    refused(encodeCbor(members(e, { leafHash: 'AwMD' })), /leafHash is not a byte string/);
    refused(encodeCbor(members(e, { iss: new Uint8Array(1) })), /iss is not a text string/);
    refused(encodeCbor([2, e.index]), /not a map with text keys/);
    refused(encodeCbor(new Map<unknown, unknown>([[1, 2]])), /not a map with text keys/);
  });

  it('refuses a second encoding of the same members: duplicate keys, indefinite lengths, longer heads, trailing bytes', () => {
    const good = toStoredEvent(entry()).data;
    refused(Uint8Array.of(0xa2, 0x61, 0x76, 0x02, 0x61, 0x76, 0x02), /strict CBOR.*(duplicate|twice)/i);
    refused(Uint8Array.of(...good, 0x00), /strict CBOR/);
    refused(Uint8Array.of(0xbf, ...good.subarray(1), 0xff), /strict CBOR/);
    const longIndex = encodeCbor(members(entry({ index: 5 })));
    const i = toHex(longIndex).indexOf('65696e64657805') / 2 + 6; // "index" then 0x05
    refused(Uint8Array.of(...longIndex.subarray(0, i), 0x18, 0x05, ...longIndex.subarray(i + 1)), /strict CBOR/);
  });

  it('an EntryRegistered with a member v2 does not know is stored as JSON, the member kept', () => {
    const e = { ...entry(), extra: 'kept' } as EntryRegistered;
    const stored = toStoredEvent(e);
    assert.equal(stored.contentType, 'application/json');
    assert.equal((decodeEventData('EntryRegistered', stored.data) as unknown as { extra: string }).extra, 'kept');
  });

  it('only EntryRegistered is stored as CBOR', () => {
    assert.throws(() => decodeEventData('CheckpointSigned', toStoredEvent(entry()).data), /only EntryRegistered is stored as CBOR/);
  });
});
