/** The HTTP face of refused registrations: each rejection kind's status and title, sequencer refusals as 503. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProblemError } from '../common/problem.js';
import { SequencerError } from '../log/sequencer.js';
import { REJECTION_PROBLEMS, registrationProblem } from './registration.problems.js';
import { StatementRejection, type RejectionKind } from './statement-rejection.js';

describe('registrationProblem', () => {
  const table: [RejectionKind, number, string][] = [
    ['malformed', 400, 'Malformed request'],
    ['rejected', 400, 'Rejected'],
    ['unsupported-algorithm', 400, 'Bad Signature Algorithm'],
    ['payload-missing', 400, 'Payload Missing'],
    ['too-large', 413, 'Payload Too Large'],
  ];
  it('has a row for every kind', () => assert.deepEqual(Object.keys(REJECTION_PROBLEMS).sort(), table.map(([k]) => k).sort()));
  for (const [kind, status, title] of table) {
    it(`${kind} → ${status} ${title}, keeping code and detail`, () => {
      const rejection = new StatementRejection(kind, 'ERR_SOME_CHECK', 'what failed and why');
      const p = registrationProblem(rejection);
      assert.ok(p instanceof ProblemError);
      assert.deepEqual([p.status, p.title, p.code, p.detail], [status, title, 'ERR_SOME_CHECK', 'what failed and why']);
      assert.equal(p.cause, rejection);
    });
  }

  it('a sequencer refusal is 503 with Retry-After: its own, 30 s when stopped, else 1 s', () => {
    const cases: [SequencerError, string][] = [
      [new SequencerError('ERR_SEQUENCER_OTHER_WRITER', 'recovering', { retryAfterSeconds: 7 }), '7'],
      [new SequencerError('ERR_SEQUENCER_STOPPED', 'shutting down'), '30'],
      [new SequencerError('ERR_SEQUENCER_QUEUE_FULL', 'busy'), '1'],
    ];
    for (const [err, retryAfter] of cases) {
      const p = registrationProblem(err) as ProblemError;
      assert.deepEqual([p.status, p.code, p.headers['retry-after']], [503, err.code, retryAfter]);
    }
  });

  it('anything else is left to the ProblemFilter', () => {
    const err = new Error('a bug');
    assert.equal(registrationProblem(err), err);
  });
});
