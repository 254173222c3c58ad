import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter, clientKey } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows the burst, then says how long to wait, then refills', () => {
    let t = 0;
    const r = new RateLimiter(60, () => t);
    for (let i = 0; i < 60; i++) assert.equal(r.take('10.0.0.1'), 0);
    assert.equal(r.take('10.0.0.1'), 1);
    t += 1000;
    assert.equal(r.take('10.0.0.1'), 0);
    assert.equal(r.take('10.0.0.2'), 0, 'clients are separate');
  });
  it('counts an IPv6 client by its /64', () => {
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), clientKey('2001:db8:1:2:bbbb::7'));
    assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
    assert.equal(clientKey('::ffff:10.0.0.1'), '::ffff:10.0.0.1');
    assert.equal(clientKey('127.0.0.1'), '127.0.0.1');
    const r = new RateLimiter(1, () => 0);
    assert.equal(r.take('2001:db8::1'), 0);
    assert.ok(r.take('2001:db8::2') > 0, 'a new address in the same /64 shares the bucket');
  });
  it('a full table evicts some clients, not everyone at once', () => {
    const r = new RateLimiter(2, () => 0, 10);
    for (let i = 0; i < 10; i++) r.take(`10.0.0.${i}`);
    r.take('10.0.0.9');
    r.take('10.0.1.1'); // table full: evicts the oldest tenth
    assert.ok(r.take('10.0.0.9') > 0, 'a recent client keeps its (spent) bucket');
  });
});
