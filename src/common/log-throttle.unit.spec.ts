import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it('writes the first report of a kind, counts the rest of the window, and sums them up', () => {
    let t = 0;
    const lines: string[] = [];
    const th = new LogThrottle((l) => lines.push(l), 1000, () => t);
    const more = (n: number): string => `${n} more`;
    th.report('a', 'a1', more);
    th.report('a', 'a2', more);
    th.report('b', 'b1', more);
    th.report('a', 'a3', more);
    assert.deepEqual(lines, ['a1', 'b1']);
    t = 1500; // the window of 'a' ended: its summary, then the new first report
    th.report('a', 'a4', more);
    assert.deepEqual(lines, ['a1', 'b1', '2 more', 'a4']);
    th.report('a', 'a5', more);
    th.flush();
    assert.deepEqual(lines, ['a1', 'b1', '2 more', 'a4', '1 more']);
    th.report('a', 'a6', more); // forgotten by flush: written again
    assert.equal(lines.at(-1), 'a6');
    th.flush();
  });

  it('flush(false) leaves open windows alone', () => {
    let t = 0;
    const lines: string[] = [];
    const th = new LogThrottle((l) => lines.push(l), 1000, () => t);
    th.report('a', 'a1', (n) => `${n} more`);
    th.report('a', 'a2', (n) => `${n} more`);
    t = 500;
    th.flush(false);
    assert.deepEqual(lines, ['a1']);
    t = 1000;
    th.flush(false);
    assert.deepEqual(lines, ['a1', '1 more']);
  });
});
