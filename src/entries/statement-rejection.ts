/**
 * Why a signed statement is refused: the typed outcome of the registration checks
 * (StatementChecker, IssuerKeys, the handler's decoding). The domain says what kind of refusal
 * and its stable code; the HTTP edge (registration.problems.ts, used by the controller) says which
 * status and problem title. A new check throws a StatementRejection of one of these kinds; a new
 * kind needs one more row there.
 */
export type RejectionKind =
  /** the statement is not what SCRAPI accepts: bad encoding, missing or ill-typed headers */
  | 'malformed'
  /** well-formed, but a check failed: issuer key, signature, certificate chain, policy */
  | 'rejected'
  /** the algorithm (header, or the key an x5chain carries) is not one the service (or its policy) accepts */
  | 'unsupported-algorithm'
  /** the payload is detached: the service cannot see what is registered */
  | 'payload-missing'
  /** the statement is larger than the policy allows */
  | 'too-large';

export class StatementRejection extends Error {
  override readonly name = 'StatementRejection';
  constructor(
    readonly kind: RejectionKind,
    /** stable error code (`ERR_…`), promised in docs/api.md and docs/policy.md */
    readonly code: string,
    /** what failed and why, for the submitter */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

export const malformedStatement = (detail: string, code: string, cause?: unknown): StatementRejection =>
  new StatementRejection('malformed', code, detail, cause === undefined ? undefined : { cause });

export const rejectedStatement = (detail: string, code: string, cause?: unknown): StatementRejection =>
  new StatementRejection('rejected', code, detail, cause === undefined ? undefined : { cause });
