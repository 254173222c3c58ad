import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fromHex, portableHex, toHex } from './bytes.js';

describe('hex', () => {
  it('given any bytes (views at an offset into a larger buffer too), then Buffer\'s encoder and the portable one (browsers) agree, and fromHex reverses both', () => {
    const backing = new Uint8Array(randomBytes(4096));
    for (let i = 0; i < 500; i++) {
      const offset = (i * 7) % 100;
      const view = backing.subarray(offset, offset + (i % 70));
      const hex = toHex(view);
      assert.equal(hex, portableHex(view));
      assert.equal(hex.length, view.length * 2);
      assert.match(hex, /^[0-9a-f]*$/);
      assert.deepEqual(fromHex(hex), new Uint8Array(view));
    }
    assert.equal(toHex(new Uint8Array(0)), '');
    assert.equal(toHex(Uint8Array.of(0, 1, 0xab, 0xff)), '0001abff');
  });
});
