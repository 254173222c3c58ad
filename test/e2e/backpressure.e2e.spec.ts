/**
 * Rate limiting (429) and backpressure (503) answer with problem details and Retry-After, and a
 * refused statement is not appended; SIGTERM drains and exits cleanly.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

describe('rate limiting and backpressure', () => {
  const ledgers: TestLedger[] = [];
  after(async () => {
    for (const l of ledgers) await l.destroy();
  });

  it('answers 429 + Retry-After past the per-client rate, and appends nothing for it', async () => {
    const issuer = await makeIssuer('https://ci.rate.example');
    const ledger = await startLedger({ policy: { version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }, env: { RATE_LIMIT_PER_MINUTE: '3' } });
    ledgers.push(ledger);
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await register(ledger.url, await signStatement(issuer, { sub: subjectOf(i) }));
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
      else await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1);
    const p = await problemOf(limited!);
    assert.equal(p.title, 'Too Many Requests');
    assert.equal(ledger.sequencer.size, 3);
  });

  it('answers 503 + Retry-After when the sequencing queue is full', async () => {
    const issuer = await makeIssuer('https://ci.queue.example');
    const ledger = await startLedger({
      policy: { version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] },
      // the first statement goes at once; from then on a batch (up to 2) lingers a whole second while the queue (1)
      // holds its statement, so the others, sent together, find it full — even on a loaded machine (at 50 ms they
      // sometimes trickled in one linger apart and were all accepted: the fresh-clone CI run of c53b9e6)
      env: { SEQUENCER_MAX_QUEUE: '1', SEQUENCER_MAX_BATCH: '2', SEQUENCER_LINGER_MS: '1000', RATE_LIMIT_PER_MINUTE: '0' },
    });
    ledgers.push(ledger);
    const statements = await Promise.all(Array.from({ length: 20 }, (_, i) => signStatement(issuer, { sub: subjectOf(100 + i) })));
    const results = await Promise.all(statements.map(async (s) => {
      const res = await register(ledger.url, s);
      return { status: res.status, retryAfter: res.headers.get('retry-after'), problem: res.status === 503 ? await problemOf(res) : (await res.arrayBuffer(), undefined) };
    }));
    const refused = results.filter((r) => r.status === 503);
    const accepted = results.filter((r) => r.status === 201);
    assert.ok(refused.length > 0, `expected some 503s, got ${results.map((r) => r.status).join(',')}`);
    assert.ok(refused.every((r) => Number(r.retryAfter) >= 1 && r.problem?.code === 'ERR_SEQUENCER_QUEUE_FULL'));
    assert.equal(accepted.length + refused.length, 20);
    assert.equal(ledger.sequencer.size, accepted.length, 'only the accepted statements are in the log');
  });
});
