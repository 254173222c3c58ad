import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProblemError } from '../common/problem.js';
import { decodeCursor, encodeCursor, int, kidParam, limitOf, onlyParams, timeParam } from './query-params.js';

const is400 = (fn: () => unknown): void => {
  assert.throws(fn, (e: unknown) => e instanceof ProblemError && e.status === 400);
};

describe('auditor query parameters', () => {
  it('cursor round-trips every index and refuses anything it did not issue', () => {
    for (const n of [0, 1, 9, 10, 99_999, 2 ** 40, Number.MAX_SAFE_INTEGER]) assert.equal(decodeCursor(encodeCursor(n)), n);
    assert.equal(decodeCursor(undefined), undefined);
    for (const bad of ['', '!!', 'LTE', /* "-1" */ 'MDE', /* "01" */ 'MS4w', /* "1.0" */ 'MQ==', 'eA', 'OTk5OTk5OTk5OTk5OTk5OTk5', 'a'.repeat(30)]) {
      is400(() => decodeCursor(bad));
    }
  });

  it('integers: decimal, no sign, no leading zeros, within bounds', () => {
    assert.equal(int({ n: '0' }, 'n'), 0);
    assert.equal(int({ n: '9007199254740991' }, 'n'), Number.MAX_SAFE_INTEGER);
    for (const bad of ['-1', '01', '1.5', '1e3', ' 1', '0x10', '9007199254740992', '']) is400(() => int({ n: bad }, 'n'));
    is400(() => int({ n: ['1', '2'] }, 'n'));
    assert.equal(limitOf({}), 100);
    assert.equal(limitOf({ limit: '1000' }), 1000);
    for (const bad of ['0', '1001']) is400(() => limitOf({ limit: bad }));
  });

  it('times: RFC 3339 with a zone', () => {
    assert.equal(timeParam({ t: '2025-01-31T12:00:00Z' }, 't'), Date.UTC(2025, 0, 31, 12));
    assert.equal(timeParam({ t: '2025-01-31t13:00:00.5+01:00' }, 't'), Date.UTC(2025, 0, 31, 12, 0, 0, 500));
    for (const bad of ['2025-01-31', '2025-01-31T12:00:00', 'yesterday', '2025-13-01T00:00:00Z', '2025-01-31T25:00:00Z', '1738324800']) is400(() => timeParam({ t: bad }, 't'));
  });

  it('kid: hex or x5t:hex, case-insensitive; unknown parameters refused', () => {
    assert.equal(kidParam({ kid: 'ABcd' }), 'abcd');
    assert.equal(kidParam({ kid: 'x5t:00FF' }), 'x5t:00ff');
    for (const bad of ['abc', 'xyz', 'x5t:', 'sha256:00']) is400(() => kidParam({ kid: bad }));
    onlyParams({ a: '1' }, ['a', 'b']);
    is400(() => onlyParams({ c: '1' }, ['a', 'b']));
  });
});
