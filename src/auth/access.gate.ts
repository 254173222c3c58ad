/**
 * Who may register (and, in a private deployment, read), in two steps:
 *
 * 1. {@link AccessGate.admit}, a Fastify `onRequest` hook: before the body is read, the
 *    credential is checked — so a request without a valid one costs a header, not a 1 MiB body.
 *    `POST /entries` with no method configured: anyone, rate limited per client address (SCRAPI:
 *    rate limiting is mandatory without authentication). With a method configured a credential is
 *    required; a missing or refused one takes a token from the same per-address bucket (guessing
 *    tokens is rate limited too) and is answered 401. An authenticated submitter is not rate
 *    limited per address (the sequencer's bounded queue still answers 503). Reads: open, unless
 *    AUTH_READ=true; then the same, except on {@link OPEN_ROUTES}.
 * 2. {@link AccessGate.checkSubmitter}, from the Nest guard once the body is parsed: the policy's
 *    identity → issuer binding (403).
 * Every refusal happens before the registration handler runs: nothing is appended.
 */
import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getCwtClaims } from '../../libs/cose/src/index.js';
import { submitterMayRegister, type RegistrationPolicy } from '../../libs/ledger/src/index.js';
import { toEntry } from '../../libs/receipt/src/index.js';
import { sendProblem } from '../common/problem.filter.js';
import { HANDOVER_ROUTE } from '../log/node-credential.js';
import { ProblemError, tooMany } from '../common/problem.js';
import { RateLimiter } from '../common/rate-limiter.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import type { Authenticator } from './authenticator.js';

/**
 * Routes that stay open when reads need a credential: liveness and readiness (probes of an
 * orchestrator or a container healthcheck, which carry no token; they reveal only "up"/"ready"),
 * and the ledger's public keys — a receipt is verified offline against them, so they are public by
 * design, and a consumer must be able to fetch them to pin them (`scitt trust fetch`).
 */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/health', '/health/live', '/health/ready', '/.well-known/scitt-keys', '/.well-known/scitt-keys/:kid']);

const REALM = 'Bearer realm="scitt-ledger"';
const quoted = (s: string): string => s.replace(/[\\"]/g, '').replace(/[^\x20-\x7e]/g, '?');

export const unauthorized = (detail: string, invalid: boolean): ProblemError =>
  new ProblemError(401, 'Unauthorized', detail, invalid ? 'ERR_TOKEN_INVALID' : 'ERR_UNAUTHENTICATED', {
    // RFC 6750 §3.1: no error code when the request carried no credential at all
    'www-authenticate': invalid ? `${REALM}, error="invalid_token", error_description="${quoted(detail)}"` : REALM,
  });

export const forbidden = (detail: string): ProblemError =>
  new ProblemError(403, 'Forbidden', detail, 'ERR_SUBMITTER_NOT_ALLOWED', { 'www-authenticate': `${REALM}, error="insufficient_scope", error_description="${quoted(detail)}"` });

type Identified = FastifyRequest & { scittIdentity?: string };

/** The identity a request was authenticated as, when it was (for logs and handlers). */
export const identityOf = (req: FastifyRequest): string | undefined => (req as Identified).scittIdentity;

const isRegistration = (req: FastifyRequest): boolean => req.method === 'POST' && req.routeOptions?.url === '/entries';

export class AccessGate {
  private readonly limiter: RateLimiter;
  private readonly maxBodyBytes: number;
  private readonly logger = new Logger('auth');

  constructor(
    readonly auth: Authenticator,
    private readonly policy: RegistrationPolicy,
    config: ServiceConfig,
  ) {
    this.limiter = new RateLimiter(config.rateLimitPerMinute);
    this.maxBodyBytes = config.maxBodyBytes;
  }

  /** The `onRequest` hook: answers the refusal itself (problem details), or lets the request on. */
  readonly hook = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    try {
      await this.admit(req);
    } catch (err) {
      sendProblem(reply, err, this.logger);
      return reply;
    }
    return undefined;
  };

  /** Step 1: the credential (throws 401 / 429 / 503 problems). */
  async admit(req: FastifyRequest): Promise<void> {
    const register = isRegistration(req);
    const route = req.routeOptions?.url;
    if (route === HANDOVER_ROUTE) return; // a node's hand-over: the node credential, not a submitter's (src/entries/handover.controller.ts)
    if (!register && (!this.auth.readRequired || (route !== undefined && OPEN_ROUTES.has(route)))) return;
    if (register && !this.auth.required) {
      this.rateLimit(req);
      return;
    }
    const outcome = await this.auth.authenticate(req.headers.authorization);
    if (outcome.kind === 'authenticated') {
      (req as Identified).scittIdentity = outcome.identity;
      return;
    }
    this.rateLimit(req);
    if (outcome.kind === 'anonymous') throw unauthorized(register ? 'registration needs a credential: Authorization: Bearer <token>' : 'this ledger needs a credential to read: Authorization: Bearer <token>', false);
    if (outcome.unavailable) throw new ProblemError(503, 'Service Unavailable', outcome.why, 'ERR_AUTH_UNAVAILABLE', { 'retry-after': '5' });
    throw unauthorized(outcome.why, true);
  }

  /**
   * Step 2, once the body is read: the policy's identity → issuers binding. The issuer is read
   * with the handler's own decoder (the same bytes give the same `iss`); a body that doesn't
   * decode is left to the handler, which refuses it as malformed.
   */
  checkSubmitter(req: FastifyRequest): void {
    if (!isRegistration(req) || !this.policy.submitters || !this.auth.required) return;
    const identity = identityOf(req);
    if (identity === undefined) throw unauthorized('registration needs a credential: Authorization: Bearer <token>', false); // unreachable past admit
    let iss: unknown;
    try {
      iss = getCwtClaims(toEntry(req.body as Uint8Array, { maxSize: this.maxBodyBytes }).statement.protectedHeader).iss;
    } catch {
      iss = undefined;
    }
    if (typeof iss !== 'string') {
      if (!this.policy.submitters.some((s) => s.identity === identity)) throw forbidden(`${identity} is not a submitter of this ledger's registration policy`);
      return;
    }
    const r = submitterMayRegister(this.policy, identity, iss);
    if (!r.ok) throw forbidden(r.why);
  }

  private rateLimit(req: FastifyRequest): void {
    const wait = this.limiter.take(req.ip);
    if (wait > 0) throw tooMany(wait);
  }
}
