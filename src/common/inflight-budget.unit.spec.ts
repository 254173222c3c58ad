import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InflightBudget } from './inflight-budget.js';

describe('InflightBudget', () => {
  it('admits reservations up to the budget, refuses beyond, admits again after a release', () => {
    const b = new InflightBudget(3000);
    assert.ok(b.tryAcquire(1000));
    assert.ok(b.tryAcquire(2000));
    assert.equal(b.bytes, 3000);
    assert.equal(b.tryAcquire(1), false);
    b.release(1000);
    assert.ok(b.tryAcquire(1000));
    assert.equal(b.tryAcquire(4000), false, 'one reservation larger than the budget never fits');
  });
  it('refuses a budget that is not a positive byte count', () => {
    assert.throws(() => new InflightBudget(0), RangeError);
    assert.throws(() => new InflightBudget(1.5), RangeError);
  });
});
