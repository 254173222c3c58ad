/**
 * Rate limiting (429) and backpressure (503) answer with problem details and Retry-After, and a
 * refused statement is not appended; SIGTERM drains and exits cleanly.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventStore } from '../../libs/event-store/src/index.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';
import { until } from '../support/until.js';

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
      env: { SEQUENCER_MAX_QUEUE: '1', SEQUENCER_MAX_BATCH: '1', SEQUENCER_LINGER_MS: '0', RATE_LIMIT_PER_MINUTE: '0' },
    });
    ledgers.push(ledger);
    // The real store, its appends held at a gate (not a stand-in: each one goes to it once released),
    // so that the queue's state is known when each statement arrives instead of left to timing.
    const store = ledger.store as { append: EventStore['append'] };
    const append = store.append.bind(ledger.store);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let held = 0;
    store.append = async (...args) => {
      held++;
      await gate;
      return append(...args);
    };
    const [a, b, c, d] = await Promise.all([0, 1, 2, 3].map((i) => signStatement(issuer, { sub: subjectOf(100 + i) })));
    let first: Promise<Response> | undefined;
    let second: Promise<Response> | undefined;
    try {
      first = register(ledger.url, a!); // taken as a batch: its append waits at the gate
      await until('the first batch to be appended', () => held === 1 || undefined, { ms: 10_000, everyMs: 5 });
      second = register(ledger.url, b!); // the queue's one place
      await until('the second statement to be queued', () => ledger.sequencer.queueLength === 1 || undefined, { ms: 10_000, everyMs: 5 });
      const refused = await Promise.all([c!, d!].map((s) => register(ledger.url, s)));
      for (const res of refused) {
        assert.equal(res.status, 503);
        assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
        const p = await problemOf(res);
        assert.equal(p.code, 'ERR_SEQUENCER_QUEUE_FULL');
        assert.equal(p.contentType, 'application/concise-problem-details+cbor');
      }
    } finally {
      open(); // a failed assertion must not leave an append held: closing the ledger waits for it
    }
    const accepted = await Promise.all([first!, second!]);
    for (const res of accepted) {
      assert.equal(res.status, 201);
      await res.arrayBuffer();
    }
    assert.equal(ledger.sequencer.size, 2, 'only the accepted statements are in the log');
    // the queue has room again: a refused statement goes in when sent again
    const again = await register(ledger.url, c!);
    assert.equal(again.status, 201);
    await again.arrayBuffer();
    assert.equal(ledger.sequencer.size, 3);
  });
});
