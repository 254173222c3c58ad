import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRevocationPayload, RevocationFormatError } from './revocation.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const id = 'c'.repeat(64);

describe('parseRevocationPayload', () => {
  it('reads a valid revocation', () => {
    assert.deepEqual(parseRevocationPayload(enc({ revokes: [id], reason: 'key compromise' })), { revokes: [id], reason: 'key compromise' });
  });
  const bad: [string, Uint8Array | null][] = [
    ['no payload', null],
    ['not JSON', enc('{')],
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['an array', enc([id])],
    ['empty revokes', enc({ revokes: [], reason: 'x' })],
    ['uppercase id', enc({ revokes: [id.toUpperCase()], reason: 'x' })],
    ['short id', enc({ revokes: ['abc'], reason: 'x' })],
    ['duplicate ids', enc({ revokes: [id, id], reason: 'x' })],
    ['no reason', enc({ revokes: [id] })],
    ['a duplicate revokes key (last would win)', enc(`{"revokes":["${id}"],"reason":"x","revokes":["${'d'.repeat(64)}"]}`)],
    ['a duplicate reason key spelled with an escape', enc(`{"revokes":["${id}"],"reason":"x","\\u0072eason":"y"}`)],
  ];
  for (const [name, payload] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => parseRevocationPayload(payload), RevocationFormatError));
  }
});
