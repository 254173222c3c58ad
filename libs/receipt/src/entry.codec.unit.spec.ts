import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoseError, decodeSign1, encodeSign1, fromHex, nodeCryptoBackend, toHex, verifySign1 } from '../../cose/src/index.js';
import { makeIdentity, makeStatement } from '../test/test-log.fixture.js';
import { entryIdOf, toEntry } from './index.js';

describe('toEntry', () => {
  it('splices: d2 84 ‖ protected ‖ a0 ‖ payload ‖ signature, for the smallest message, tagged or not', () => {
    assert.equal(toHex(toEntry(fromHex('d28440a0f640')).entry), 'd28440a0f640');
    assert.equal(toHex(toEntry(fromHex('8440a0f640')).entry), 'd28440a0f640'); // untagged gets the tag
    // unprotected {4: h'31'} dropped; protected h'a10126', payload h'01', signature h'0203'
    assert.equal(toHex(toEntry(fromHex('d28443a10126a104413141014202' + '03')).entry), 'd28443a10126a0410142' + '0203');
  });

  it('keeps protected header, payload and signature bytes exactly; the issuer signature still verifies', async () => {
    const issuer = await makeIdentity(nodeCryptoBackend);
    const statement = await makeStatement(issuer, nodeCryptoBackend, 'sub-1', new TextEncoder().encode('x'.repeat(300)), new Map<number | string, unknown>([[33, [Uint8Array.of(1)]], ['note', 'kept out of the entry']]));
    const { entry, statement: s } = toEntry(statement);
    const e = decodeSign1(entry);
    assert.equal(e.tagged, true);
    assert.equal(e.unprotectedHeader.size, 0);
    assert.deepEqual(e.protectedBytes, s.protectedBytes);
    assert.deepEqual(e.payload, s.payload);
    assert.deepEqual(e.signature, s.signature);
    assert.equal(s.unprotectedHeader.get('note'), 'kept out of the entry');
    await verifySign1(e, issuer.pub);
    // Same bytes as re-encoding the parts (strict decoding admits only shortest heads).
    assert.deepEqual(entry, encodeSign1({ protectedBytes: s.protectedBytes, unprotectedHeader: new Map(), payload: s.payload, signature: s.signature }));
  });

  it('is idempotent, and a detached (nil) payload stays nil', () => {
    const detached = encodeSign1({ protectedBytes: fromHex('a10126'), unprotectedHeader: new Map([[4, Uint8Array.of(0x31)]]), payload: null, signature: fromHex('0203') });
    const { entry } = toEntry(detached);
    assert.equal(toHex(entry), 'd28443a10126a0f6420203');
    assert.deepEqual(toEntry(entry).entry, entry);
  });

  it("byteStrings: 'view': a statement that already is an entry is its own entry, no copy; any other gets the same spliced bytes as without", () => {
    const cases = [
      'd28440a0f640', // already an entry: tagged, unprotected empty
      'd28443a10126a041014202' + '03',
      '8440a0f640', // untagged: the entry gets the tag
      'd28443a10126a104413141014202' + '03', // unprotected {4: h'31'}: dropped
      'd28443a10126a0f6420203', // detached payload
    ];
    for (const hex of cases) {
      for (const input of [fromHex(hex), Buffer.from(fromHex(hex))]) {
        const viewed = toEntry(input, { byteStrings: 'view' });
        assert.equal(toHex(viewed.entry), toHex(toEntry(fromHex(hex)).entry), hex);
        assert.equal(Object.getPrototypeOf(viewed.entry), Uint8Array.prototype, `${hex}: a plain Uint8Array`);
        const own = hex.startsWith('d284') && !hex.includes('a104');
        assert.equal(viewed.entry.buffer === input.buffer, own, `${hex}: ${own ? 'a view of the statement' : 'bytes of its own'}`);
        if (own) assert.equal(viewed.entry.byteOffset, input.byteOffset);
        assert.notEqual(toEntry(input).entry.buffer, input.buffer, `${hex}: copy mode always copies`);
      }
    }
  });

  it('rejects what is not a strict COSE_Sign1 with a CoseError code', () => {
    const cases: [string, string][] = [
      ['', 'ERR_CBOR_MALFORMED'],
      ['d28440a0f6', 'ERR_CBOR_MALFORMED'], // truncated
      ['d28440a0f64000', 'ERR_CBOR_TRAILING_BYTES'],
      ['d18440a0f640', 'ERR_COSE_NOT_SIGN1'], // tag 17
      ['d28340a0f6', 'ERR_COSE_NOT_SIGN1'], // 3 elements
      ['d284a0a0f640', 'ERR_COSE_WRONG_TYPE'], // protected not a bstr
      ['d2845f40ffa0f640', 'ERR_CBOR_INDEFINITE_LENGTH'],
      ['d28440a20441310441324040', 'ERR_CBOR_DUPLICATE_KEY'], // unprotected {4: h'31', 4: h'32'}
      ['d28440a0f6f6', 'ERR_COSE_WRONG_TYPE'], // signature nil
      ['d2845800a0f640', 'ERR_CBOR_NON_MINIMAL'],
    ];
    for (const [hex, code] of cases) {
      assert.throws(() => toEntry(fromHex(hex)), (e: unknown) => e instanceof CoseError && e.code === code, hex);
    }
    assert.throws(() => toEntry(new Uint8Array(100).fill(0x40), { maxSize: 10 }), (e: unknown) => e instanceof CoseError && e.code === 'ERR_CBOR_TOO_LARGE');
  });
});

describe('entryIdOf', () => {
  it('is lowercase hex SHA-256 of the entry', () => {
    assert.equal(entryIdOf(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(entryIdOf(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
