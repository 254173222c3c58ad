/**
 * statementIdOf: the hash of what the signature covers (COSE Sig_structure), so every encoding of
 * one signed statement — signature twin, unprotected header, tag, transparent statement, entry —
 * has one statement id, and any change to the signed content gives another.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Alg, decodeSign1, encodeCbor, encodeSign1, nodeCryptoBackend, sigStructure1, signSign1, verifySign1, publicKey } from '../../cose/src/index.js';
import { entryIdOf, statementIdOf, toEntry, toTransparentStatement } from './index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

describe('statementIdOf', () => {
  it('is SHA-256 of the Sig_structure, equal for every encoding of one statement, and differs for other content', async () => {
    const key = await nodeCryptoBackend.generateKey(Alg.ES256);
    const protectedHeader = new Map<number, unknown>([[1, Alg.ES256], [3, 'application/json'], [15, new Map([[1, 'iss'], [2, 'sub']])]]);
    const payload = new TextEncoder().encode('{"a":1}');
    const s = await signSign1({ protectedHeader, unprotectedHeader: new Map([[4, new Uint8Array([1])]]), payload, key });
    const d = decodeSign1(s);
    const want = createHash('sha256').update(sigStructure1(d.protectedBytes, new Uint8Array(0), payload)).digest('hex');
    assert.equal(statementIdOf(s), want);
    // the twin signature (r, n − s) verifies and has the same statement id, another entry id
    const sig = d.signature;
    const sTwin = (P256_N - BigInt('0x' + hex(sig.slice(32)))).toString(16).padStart(64, '0');
    const twin = encodeSign1({ protectedBytes: d.protectedBytes, unprotectedHeader: new Map(), payload, signature: new Uint8Array([...sig.slice(0, 32), ...Buffer.from(sTwin, 'hex')]) });
    await verifySign1(decodeSign1(twin), publicKey(key), { backend: nodeCryptoBackend });
    assert.notEqual(entryIdOf(toEntry(twin).entry), entryIdOf(toEntry(s).entry));
    assert.equal(statementIdOf(twin), want);
    // the entry, the untagged form and a transparent statement are the same statement
    assert.equal(statementIdOf(toEntry(s).entry), want);
    assert.equal(statementIdOf(encodeSign1({ ...d, unprotectedHeader: new Map() }, { tagged: false })), want);
    assert.equal(statementIdOf(toTransparentStatement(toEntry(s).entry, [new Uint8Array([0x80])])), want);
    assert.equal(statementIdOf(d), want, 'a decoded statement too');
    // an injected hash gives the same answer
    assert.equal(statementIdOf(s, (b) => new Uint8Array(createHash('sha256').update(b).digest())), want);
    // other signed content: another id
    const other = encodeSign1({ protectedBytes: d.protectedBytes, unprotectedHeader: new Map(), payload: new TextEncoder().encode('{"a":2}'), signature: sig });
    assert.notEqual(statementIdOf(other), want);
    const otherHeader = encodeSign1({ protectedBytes: encodeCbor(new Map<number, unknown>([[1, Alg.ES256], [3, 'text/plain']])), unprotectedHeader: new Map(), payload, signature: sig });
    assert.notEqual(statementIdOf(otherHeader), want);
  });

  it('a detached payload has no visible signed content: its statement id is its entry id', () => {
    const detached = encodeSign1({ protectedBytes: encodeCbor(new Map([[1, -7]])), unprotectedHeader: new Map(), payload: null, signature: new Uint8Array(64) });
    assert.equal(statementIdOf(detached), entryIdOf(toEntry(detached).entry));
    assert.throws(() => statementIdOf(decodeSign1(detached)), /detached/);
  });

  it('malformed input throws the strict decoder error', () => {
    assert.throws(() => statementIdOf(new Uint8Array([0xd2, 0x84, 0x40])), /CBOR|COSE|truncated|end/i);
  });
});
