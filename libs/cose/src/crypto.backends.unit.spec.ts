/**
 * Every backend (node:crypto on the pool and inline, noble) must agree on every input: valid, high-S, malformed, wrong key. Failure injection
 * on signatures (high-S twins, S ≥ L, r = 0, wrong lengths) and keys (points off the curve).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Alg, CoseError, createNodeCryptoBackend, nobleBackend, nodeCryptoBackend, publicKey, type CoseKey, type CryptoBackend } from './index.js';

/** node:crypto on the threadpool, noble, and node:crypto verifying on the calling thread (`inline`) */
const backends: CryptoBackend[] = [nodeCryptoBackend, nobleBackend, createNodeCryptoBackend({ inline: () => true })];
/** every backend's verdict `v` */
const all = (v: boolean): boolean[] => backends.map(() => v);
const ORDER: Record<number, bigint> = {
  [Alg.ES256]: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  [Alg.ES384]: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

const toBig = (b: Uint8Array) => b.reduce((acc, x) => acc * 256n + BigInt(x), 0n);
function fromBig(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n % 256n);
    n /= 256n;
  }
  return out;
}
/** The other valid ECDSA signature for the same message: (r, n - s). */
function flipS(sig: Uint8Array, n: bigint): Uint8Array {
  const half = sig.length / 2;
  return new Uint8Array([...sig.subarray(0, half), ...fromBig(n - toBig(sig.subarray(half)), half)]);
}
const isHighS = (sig: Uint8Array, n: bigint) => toBig(sig.subarray(sig.length / 2)) > n / 2n;

async function verdicts(alg: number, key: CoseKey, msg: Uint8Array, sig: Uint8Array): Promise<boolean[]> {
  return Promise.all(backends.map((b) => b.verify(alg, publicKey(key), msg, sig)));
}

describe('crypto backends agree', () => {
  for (const alg of [Alg.ES256, Alg.ES384]) {
    it(`ES ${alg}: signatures from each backend verify in all, and so do their high-S twins`, async () => {
      const n = ORDER[alg]!;
      let sawHigh = 0;
      let sawLow = 0;
      for (const signer of backends) {
        const key = await signer.generateKey(alg);
        for (let i = 0; i < 12; i++) {
          const msg = new TextEncoder().encode(`message ${i}`);
          const sig = await signer.sign(alg, key, msg);
          const twin = flipS(sig, n);
          if (isHighS(sig, n)) sawHigh++;
          else sawLow++;
          assert.deepEqual(await verdicts(alg, key, msg, sig), all(true));
          assert.deepEqual(await verdicts(alg, key, msg, twin), all(true), 'COSE accepts high-S');
          assert.deepEqual(await verdicts(alg, key, new TextEncoder().encode(`message ${i}!`), sig), all(false));
        }
      }
      // The twins already cover both forms; this shows the signers themselves emit high-S
      // (noble runs with lowS: false). 24 signatures all low-S has probability 2^-24.
      assert.ok(sawHigh > 0 && sawLow > 0, `high-S ${sawHigh}, low-S ${sawLow}`);
    });
  }

  it('ES256: malformed signatures are false in all (r = 0, s = n, wrong length, DER instead of r‖s)', async () => {
    const key = await nodeCryptoBackend.generateKey(Alg.ES256);
    const msg = Uint8Array.of(1, 2, 3);
    const sig = await nodeCryptoBackend.sign(Alg.ES256, key, msg);
    const n = ORDER[Alg.ES256]!;
    const cases: [string, Uint8Array][] = [
      ['r = 0', new Uint8Array([...new Uint8Array(32), ...sig.subarray(32)])],
      ['s = 0', new Uint8Array([...sig.subarray(0, 32), ...new Uint8Array(32)])],
      ['s = n', new Uint8Array([...sig.subarray(0, 32), ...fromBig(n, 32)])],
      ['s = n + 1 (overflow of a valid s)', new Uint8Array([...sig.subarray(0, 32), ...fromBig((toBig(sig.subarray(32)) + n) % 2n ** 256n, 32)])],
      ['63 bytes', sig.subarray(0, 63)],
      ['65 bytes', new Uint8Array([...sig, 0])],
      ['empty', new Uint8Array(0)],
      ['DER-looking 70 bytes', new Uint8Array(70).fill(0x30)],
    ];
    for (const [label, bad] of cases) assert.deepEqual(await verdicts(Alg.ES256, key, msg, bad), all(false), label);
  });

  it('Ed25519: deterministic signatures are identical; S + L (non-canonical) is refused by all', async () => {
    const key = await nobleBackend.generateKey(Alg.EdDSA);
    const msg = new TextEncoder().encode('ed25519');
    const [a, ...others] = await Promise.all(backends.map((be) => be.sign(Alg.EdDSA, key, msg)));
    for (const b of others) assert.deepEqual(a, b);
    assert.deepEqual(await verdicts(Alg.EdDSA, key, msg, a!), all(true));
    const sLe = a!.subarray(32);
    const s = toBig(Uint8Array.from(sLe).reverse()) + ED25519_L;
    const malleated = new Uint8Array([...a!.subarray(0, 32), ...fromBig(s, 32).reverse()]);
    assert.deepEqual(await verdicts(Alg.EdDSA, key, msg, malleated), all(false));
    const flipped = a!.slice();
    flipped[5]! ^= 1;
    assert.deepEqual(await verdicts(Alg.EdDSA, key, msg, flipped), all(false));
  });

  it('refuse a point that is not on the curve with ERR_COSE_BAD_KEY', async () => {
    const key = await nodeCryptoBackend.generateKey(Alg.ES256);
    const off: CoseKey = { ...publicKey(key), y: key.x };
    for (const b of backends) {
      await assert.rejects(b.verify(Alg.ES256, off, Uint8Array.of(1), new Uint8Array(64)), (e: unknown) => e instanceof CoseError && e.code === 'ERR_COSE_BAD_KEY', b.name);
    }
  });

  it('refuse curve/alg mismatches, missing private keys and unknown algorithms', async () => {
    const p256 = await nodeCryptoBackend.generateKey(Alg.ES256);
    const ed = await nodeCryptoBackend.generateKey(Alg.EdDSA);
    for (const b of backends) {
      const code = (c: string) => (e: unknown) => e instanceof CoseError && e.code === c;
      await assert.rejects(b.verify(Alg.ES384, publicKey(p256), Uint8Array.of(1), new Uint8Array(96)), code('ERR_COSE_BAD_KEY'));
      await assert.rejects(b.verify(Alg.ES256, publicKey(ed), Uint8Array.of(1), new Uint8Array(64)), code('ERR_COSE_BAD_KEY'));
      await assert.rejects(b.sign(Alg.ES256, publicKey(p256), Uint8Array.of(1)), code('ERR_COSE_BAD_KEY'));
      await assert.rejects(b.sign(-37, p256, Uint8Array.of(1)), code('ERR_COSE_UNKNOWN_ALG'));
      await assert.rejects(b.generateKey(-37), code('ERR_COSE_UNKNOWN_ALG'));
    }
  });

  it('node backend: many verifications in flight at once all resolve correctly', async () => {
    const key = await nodeCryptoBackend.generateKey(Alg.ES256);
    const msgs = Array.from({ length: 64 }, (_, i) => Uint8Array.of(i));
    const sigs = await Promise.all(msgs.map((m) => nodeCryptoBackend.sign(Alg.ES256, key, m)));
    const ok = await Promise.all(msgs.map((m, i) => nodeCryptoBackend.verify(Alg.ES256, publicKey(key), m, sigs[(i + (i % 2)) % 64]!)));
    assert.deepEqual(ok, msgs.map((_, i) => i % 2 === 0));
  });
});
