/**
 * The HTTP face of a refused registration (RFC 9290 problem details, docs/api.md): a
 * {@link StatementRejection} gets its status and SCRAPI title by kind, keeping its code and
 * detail; a sequencer refusal is 503 + Retry-After. Used by the entries controller; the checks
 * themselves know nothing of HTTP.
 */
import { ProblemError, unavailable } from '../common/problem.js';
import { SequencerError } from '../log/sequencer.js';
import { StatementRejection, type RejectionKind } from './statement-rejection.js';

/** Status and problem title by kind of refusal (titles are draft-ietf-scitt-scrapi's where it names one). */
export const REJECTION_PROBLEMS: Readonly<Record<RejectionKind, { readonly status: number; readonly title: string }>> = {
  malformed: { status: 400, title: 'Malformed request' },
  rejected: { status: 400, title: 'Rejected' },
  'unsupported-algorithm': { status: 400, title: 'Bad Signature Algorithm' },
  'payload-missing': { status: 400, title: 'Payload Missing' },
  'too-large': { status: 413, title: 'Payload Too Large' },
};

/**
 * The problem for an error out of a registration; anything else is returned as is (the
 * ProblemFilter answers it). Sequencer refusals: when the sequencer knows its next recovery
 * attempt, retry then; a full queue soon; a shutting-down service later.
 */
export function registrationProblem(err: unknown): unknown {
  if (err instanceof StatementRejection) {
    const { status, title } = REJECTION_PROBLEMS[err.kind];
    return new ProblemError(status, title, err.detail, err.code, {}, { cause: err });
  }
  if (err instanceof SequencerError) {
    return unavailable(err.message, err.retryAfterSeconds ?? (err.code === 'ERR_SEQUENCER_STOPPED' ? 30 : 1), err.code);
  }
  return err;
}
