/**
 * MAX_INFLIGHT_BYTES (issue 12, part 4): 200 concurrent ~1 MB registrations used to be buffered,
 * decoded and verified all at once (~1.1 GB peak). Now each reserves its declared size before its
 * body is read; past the budget the answer is 503 + Retry-After problem details (the body is
 * discarded, never buffered), the statements admitted are registered, and the refused ones
 * register fine when retried.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

// room for about three statements: far under what 200 concurrent ~1 MB uploads hold at once, so
// the budget refuses some whatever the server's speed (at 32 MiB a faster write path peaked at
// 19–21 MiB and refused none; at 8 MiB it refused 3–26 of 200)
const BUDGET = 3 * 1024 * 1024;
const N = 200;

describe('in-flight byte budget', () => {
  let ledger: TestLedger;
  let issuer: TestIssuer;

  before(async () => {
    issuer = await makeIssuer('https://ci.inflight.example');
    ledger = await startLedger({ env: { MAX_INFLIGHT_BYTES: String(BUDGET), RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await ledger?.destroy();
  });

  it(`${N} concurrent ~1 MB statements: 503s past the budget, never more than the budget in flight`, async () => {
    const statements = await Promise.all(
      Array.from({ length: N }, (_, i) => signStatement(issuer, { sub: subjectOf(i + 1), payload: randomBytes(750_000).toString('base64'), contentType: 'application/octet-stream', x5chain: issuer.certificate })),
    );
    let peakInflight = 0;
    let peakMemory = 0;
    const base = process.memoryUsage();
    const sampler = setInterval(() => {
      peakInflight = Math.max(peakInflight, ledger.inflight.bytes);
      const m = process.memoryUsage();
      peakMemory = Math.max(peakMemory, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    }, 2);
    const answers = await Promise.all(
      statements.map(async (s, i) => {
        const res = await register(ledger.url, s);
        if (res.status === 503) return { i, status: 503, problem: await problemOf(res), retryAfter: res.headers.get('retry-after') };
        await res.arrayBuffer();
        return { i, status: res.status };
      }),
    );
    clearInterval(sampler);
    const refused = answers.filter((a) => a.status === 503);
    const accepted = answers.filter((a) => a.status === 201 || a.status === 303);
    console.log(`# ${accepted.length} accepted, ${refused.length} refused (503); peak in flight ${(peakInflight / 2 ** 20).toFixed(1)} MiB of ${BUDGET / 2 ** 20}; test-process memory growth peak ${(peakMemory / 2 ** 20).toFixed(0)} MiB (includes the client's ${N} MB of statements)`);
    assert.equal(accepted.length + refused.length, N, `only 201/303/503: ${JSON.stringify(answers.filter((a) => ![201, 303, 503].includes(a.status)))}`);
    assert.ok(refused.length > 0, 'some statements were refused instead of buffered');
    assert.ok(accepted.length > 0);
    for (const r of refused) {
      assert.equal(r.problem!.code, 'ERR_INFLIGHT_BYTES');
      assert.equal(r.problem!.contentType, 'application/concise-problem-details+cbor');
      assert.equal(r.retryAfter, '1');
    }
    assert.ok(peakInflight <= BUDGET, `peak ${peakInflight}`);
    assert.equal(ledger.inflight.bytes, 0, 'every reservation was released');

    // Refused statements were not appended; retried (a sample, one at a time), they register.
    for (let t = 0; t < 300 && ledger.sequencer.size < accepted.length; t++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(ledger.sequencer.size, accepted.length, 'exactly the accepted statements are in the log');
    for (const r of refused.slice(0, 5)) {
      const res = await register(ledger.url, statements[r.i]!);
      assert.equal(res.status, 201, `retry of ${r.i}`);
      await res.arrayBuffer();
    }
    assert.equal(ledger.sequencer.size, accepted.length + Math.min(5, refused.length));
  });
});
