import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEventData, decodeRecordedEvent, encodeEventData, type EntryRegistered } from './events.js';
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
