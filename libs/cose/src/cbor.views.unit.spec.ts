/**
 * Byte strings decoded as copies (the default, whatever the input's type) or as views into the
 * input (`byteStrings: 'view'`), in decodeCbor and decodeSign1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Alg, decodeCbor, decodeSign1, encodeCbor, fromHex, nodeCryptoBackend, signSign1, HeaderLabel } from './index.js';

// [h'0102', {1: h'030405'}]
const BYTES = fromHex('82' + '420102' + 'a1' + '01' + '43030405');

describe('decoded byte strings: copies or views', () => {
  for (const [name, make] of [
    ['Uint8Array', (b: Uint8Array) => Uint8Array.from(b)],
    ['Buffer', (b: Uint8Array) => Buffer.from(b)],
  ] as const) {
    it(`copies by default, from a ${name}: plain Uint8Arrays that do not change with the input`, () => {
      const input = make(BYTES);
      const [a, m] = decodeCbor(input) as [Uint8Array, Map<number, Uint8Array>];
      assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype);
      input.fill(0xff);
      assert.deepEqual([...a], [1, 2]);
      assert.deepEqual([...m.get(1)!], [3, 4, 5]);
      assert.notEqual(a.buffer, input.buffer);
    });

    it(`gives views into a ${name} with byteStrings: 'view', at the right offsets`, () => {
      const input = make(BYTES);
      const [a, m] = decodeCbor(input, { byteStrings: 'view' }) as [Uint8Array, Map<number, Uint8Array>];
      assert.equal(a.buffer, input.buffer);
      assert.equal(a.byteOffset, input.byteOffset + 2);
      assert.deepEqual([...a], [1, 2]);
      assert.deepEqual([...m.get(1)!], [3, 4, 5]);
      input[2] = 9;
      assert.equal(a[0], 9, 'a view changes with its input');
    });
  }

  it("decodeSign1: copies by default; with byteStrings: 'view' the parts are views, the protected header's values still copies", async () => {
    const key = await nodeCryptoBackend.generateKey(Alg.ES256);
    const kid = Uint8Array.of(7, 7, 7);
    const signed = await signSign1({ protectedHeader: new Map<number, unknown>([[HeaderLabel.alg, Alg.ES256], [HeaderLabel.kid, kid]]), payload: encodeCbor('hello'), key });
    const copied = decodeSign1(signed);
    for (const part of [copied.protectedBytes, copied.payload!, copied.signature]) assert.notEqual(part.buffer, signed.buffer);
    const viewed = decodeSign1(signed, { byteStrings: 'view' });
    for (const part of [viewed.protectedBytes, viewed.payload!, viewed.signature]) assert.equal(part.buffer, signed.buffer);
    assert.notEqual((viewed.protectedHeader.get(HeaderLabel.kid) as Uint8Array).buffer, signed.buffer);
    assert.deepEqual([...viewed.payload!], [...copied.payload!]);
    assert.deepEqual([...viewed.signature], [...copied.signature]);
  });
});
