/**
 * The CBOR writer's reused buffers (cbor.encode.ts `spares`): what one encoding returns is never
 * changed by the next, a lent buffer is not handed to a nested writer, and a finished writer takes
 * no more writes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CborWriter, encodeCbor } from './cbor.encode.js';
import { decodeCbor } from './cbor.decode.js';
import { sigStructure1, withSigStructure1 } from './sign1.codec.js';
import { CoseError } from './cose.errors.js';

const bytesOf = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 131 + seed) % 256);

describe('CborWriter buffers', () => {
  it('the bytes an encoding returned stay as they were while later encodings reuse the buffer', () => {
    const values = [bytesOf(5000, 1), new Map<unknown, unknown>([['k', bytesOf(70, 2)], [1, 'x']]), [bytesOf(300_000, 3)], 'tail', bytesOf(10, 4)];
    const first = values.map((v) => encodeCbor(v));
    const copies = first.map((b) => Uint8Array.from(b));
    for (let round = 0; round < 3; round++) for (const v of [...values].reverse()) encodeCbor(v); // reuse every spare, grow some
    first.forEach((b, i) => assert.deepEqual(b, copies[i], `encoding ${i}`));
  });

  it('property: encoding values one after another gives each the bytes it gets alone', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 6000 }), fc.string(), fc.integer(), fc.array(fc.uint8Array({ maxLength: 200 }))), { maxLength: 8 }), (vs) => {
        const together = vs.map((v) => encodeCbor(v));
        const alone = vs.map((v) => Uint8Array.from(encodeCbor(v)));
        together.forEach((b, i) => assert.deepEqual(b, alone[i]));
      }),
      { numRuns: 200 },
    );
  });

  it('finishWith lends the bytes; a writer used meanwhile takes another buffer', () => {
    const payload = bytesOf(2000, 5);
    const want = sigStructure1(Uint8Array.of(0xa1, 0x01, 0x26), new Uint8Array(0), payload);
    const seen = withSigStructure1(Uint8Array.of(0xa1, 0x01, 0x26), new Uint8Array(0), payload, (tbs) => {
      const nested = encodeCbor([bytesOf(3000, 6), 'nested']); // while tbs is lent
      assert.deepEqual(decodeCbor(nested), [bytesOf(3000, 6), 'nested']);
      return Uint8Array.from(tbs);
    });
    assert.deepEqual(seen, want);
  });

  it('a finished writer takes no more writes, and finishes once', () => {
    const w = new CborWriter();
    w.head(0, 1);
    assert.deepEqual(w.finish(), Uint8Array.of(0x01));
    assert.throws(() => w.head(0, 2), (e: unknown) => e instanceof TypeError && /finished/.test(e.message));
    assert.throws(() => w.bytes(bytesOf(10, 9)), TypeError);
    assert.throws(() => w.finish(), (e: unknown) => e instanceof TypeError && /finished/.test(e.message));
  });

  it('an encoding that fails half-way leaves later encodings intact', () => {
    assert.throws(() => encodeCbor([bytesOf(5000, 10), () => 1]), CoseError);
    const after = encodeCbor([bytesOf(5000, 11), 'ok']);
    assert.deepEqual(decodeCbor(after), [bytesOf(5000, 11), 'ok']);
  });
});
