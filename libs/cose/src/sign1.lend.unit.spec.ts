/**
 * signSign1 and verifySign1 lend the Sig_structure from a reused buffer to backends that read
 * their input at the call (`readsInputAtCall`), and give a copy of its own to any other backend.
 * A lent buffer is overwritten by the next Sig_structure, so these tests keep many operations in
 * flight at once and check that none saw another's bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Alg, decodeSign1, HeaderLabel, nobleBackend, nodeCryptoBackend, sigStructure1, signSign1, toHex, verifySign1, type CoseKey, type CryptoBackend } from './index.js';

const header = () => new Map<number, unknown>([[HeaderLabel.alg, Alg.ES256]]);
const payloadOf = (i: number) => new TextEncoder().encode(`statement ${i} `.repeat(20 + (i % 7)));

describe('Sig_structure lending', () => {
  it('both shipped backends read their input at the call', () => {
    assert.equal(nodeCryptoBackend.readsInputAtCall, true);
    assert.equal(nobleBackend.readsInputAtCall, true);
  });

  for (const backend of [nodeCryptoBackend, nobleBackend]) {
    it(`${backend.name}: 64 signs and then 64 verifies in flight at once each get their own statement's Sig_structure`, async () => {
      const key = await backend.generateKey(Alg.ES256);
      const n = 64;
      const signed = await Promise.all(Array.from({ length: n }, (_, i) => signSign1({ protectedHeader: header(), payload: payloadOf(i), key, backend })));
      const msgs = signed.map((s) => decodeSign1(s));
      // each signature is over its own statement: checked with the other backend, one at a time
      const other = backend === nodeCryptoBackend ? nobleBackend : nodeCryptoBackend;
      for (const m of msgs.slice(0, 8)) await verifySign1(m, key, { backend: other });
      // all in flight at once, a wrong one among them
      const swapped = { ...msgs[1]!, signature: msgs[0]!.signature };
      const results = await Promise.allSettled([...msgs, swapped].map((m) => verifySign1(m, key, { backend })));
      assert.deepEqual(results.slice(0, n).map((r) => r.status), Array(n).fill('fulfilled'));
      assert.equal(results[n]!.status, 'rejected');
      assert.equal((results[n] as PromiseRejectedResult).reason.code, 'ERR_COSE_SIGNATURE_INVALID');
    });
  }

  it('a backend that reads later gets bytes of its own, intact after other Sig_structures were built', async () => {
    const key = await nodeCryptoBackend.generateKey(Alg.ES256);
    const seen: { tbs: Uint8Array; copy: string }[] = [];
    const late: CryptoBackend = {
      name: 'late',
      generateKey: (alg) => nodeCryptoBackend.generateKey(alg),
      async sign(alg: number, k: CoseKey, tbs: Uint8Array) {
        const copy = toHex(tbs);
        await new Promise((r) => setTimeout(r, 5));
        seen.push({ tbs, copy });
        return nodeCryptoBackend.sign(alg, k, tbs);
      },
      async verify(alg: number, k: CoseKey, tbs: Uint8Array, sig: Uint8Array) {
        const copy = toHex(tbs);
        await new Promise((r) => setTimeout(r, 5));
        seen.push({ tbs, copy });
        return nodeCryptoBackend.verify(alg, k, tbs, sig);
      },
    };
    const signed = await Promise.all(Array.from({ length: 16 }, (_, i) => signSign1({ protectedHeader: header(), payload: payloadOf(i), key, backend: late })));
    await Promise.all(signed.map((s) => verifySign1(decodeSign1(s), key, { backend: late })));
    assert.equal(seen.length, 32);
    for (const s of seen) assert.equal(toHex(s.tbs), s.copy, 'the bytes a late backend was given changed under it');
    const m = decodeSign1(signed[3]!);
    assert.ok(seen.some((s) => s.copy === toHex(sigStructure1(m.protectedBytes, new Uint8Array(0), m.payload!))));
  });
});
