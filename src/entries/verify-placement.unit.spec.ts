/**
 * Where VERIFY_PLACEMENT runs a verification: `inline` resolves before the event loop turns (no
 * threadpool callback), `pool` only after; `auto` follows what its meter read at its last look
 * (the thread's share of a core), and the meter reads the thread's CPU. Verdicts are the same everywhere
 * (crypto.backends.unit.spec.ts holds the inline backend to the others on good and bad input).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Alg, nodeCryptoBackend, publicKey, type CoseKey, type CryptoBackend } from '../../libs/cose/src/index.js';
import { INLINE_MAX_BYTES, busyMeter, verifyingBackend } from './verify-placement.js';

const MSG = Uint8Array.of(1, 2, 3);
/** a statement too large to verify on the HTTP thread */
const LARGE = new Uint8Array(INLINE_MAX_BYTES + 1).fill(7);
/** the test's sampling window (the service's is a second) */
const WINDOW_MS = 100;

/** Starts `n` verifications of a good signature; which resolved before the loop turned (inline), and the verdicts. */
async function placements(backend: CryptoBackend, key: CoseKey, sig: Uint8Array, n = 1, msg = MSG): Promise<{ inline: boolean[]; ok: boolean[] }> {
  const ok: (boolean | undefined)[] = Array.from({ length: n });
  const verified = ok.map((_, i) => backend.verify(Alg.ES256, publicKey(key), msg, sig).then((v) => (ok[i] = v)));
  for (let i = 0; i < 10; i++) await Promise.resolve(); // microtasks only: a pool callback needs a turn of the loop
  const inline = ok.map((v) => v !== undefined);
  await Promise.all(verified);
  return { inline, ok: ok as boolean[] };
}

describe('VERIFY_PLACEMENT', async () => {
  const key = await nodeCryptoBackend.generateKey(Alg.ES256);
  const sig = await nodeCryptoBackend.sign(Alg.ES256, key, MSG);

  it('inline verifies before the loop turns, pool after; both say true', async () => {
    for (const [p, inline] of [['inline', true], ['pool', false]] as const) {
      const v = verifyingBackend(p);
      assert.deepEqual(await placements(v.backend, key, sig, 3), { inline: [inline, inline, inline], ok: [true, true, true] }, p);
      v.close();
    }
  });

  it('a statement over 64 KiB verifies on the pool, whatever the placement', async () => {
    const large = await nodeCryptoBackend.sign(Alg.ES256, key, LARGE);
    const other = LARGE.slice();
    other[0]! ^= 1;
    for (const p of ['inline', 'auto'] as const) {
      const v = verifyingBackend(p);
      assert.deepEqual(await placements(v.backend, key, large, 1, LARGE), { inline: [false], ok: [true] }, p);
      assert.deepEqual(await placements(v.backend, key, large, 1, other), { inline: [false], ok: [false] }, `${p}: another message`);
      v.close();
    }
  });

  it('auto: inline while the thread is under 85 % of a core, the pool above, inline again below', { timeout: 20_000 }, async () => {
    let share = 0.1;
    let looks = 0;
    const v = verifyingBackend('auto', WINDOW_MS, () => (looks++, share));
    /** sets what the meter reads and waits for a look at it */
    const reads = async (s: number): Promise<void> => {
      share = s;
      const from = looks;
      while (looks === from) await sleep(WINDOW_MS / 4);
    };
    try {
      assert.deepEqual((await placements(v.backend, key, sig)).inline, [true], 'before the first look: inline');
      await reads(0.1);
      assert.deepEqual((await placements(v.backend, key, sig)).inline, [true], '10 %: inline');
      await reads(0.95);
      assert.deepEqual(await placements(v.backend, key, sig, 2), { inline: [false, false], ok: [true, true] }, '95 %: the pool');
      await reads(0.3);
      assert.deepEqual((await placements(v.backend, key, sig)).inline, [true], '30 %: inline again');
    } finally {
      v.close();
    }
  });

  it("the meter reads the thread's own CPU: near 0 asleep, well above while it spins", async () => {
    const busy = busyMeter();
    await sleep(300);
    const asleep = busy();
    const until = performance.now() + 500;
    while (performance.now() < until);
    const spinning = busy();
    assert.ok(asleep < 0.1, `asleep: ${asleep}`);
    assert.ok(spinning > 0.2 && spinning <= 1.05, `spinning: ${spinning} (a core at most; other processes may take part of it)`);
  });
});
