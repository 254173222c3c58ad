/**
 * Who may register (and, in a private deployment, read): one global Nest guard.
 *
 * - `POST /entries`: with no authentication configured, anyone may register, rate limited per
 *   client address (SCRAPI: rate limiting is mandatory without authentication). With a method
 *   configured a credential is required; a missing or refused one costs a token of the same
 *   per-address bucket (so guessing tokens is rate limited too) and is answered 401. An
 *   authenticated submitter is not rate limited per address (the sequencer's bounded queue still
 *   answers 503), but the policy may bind it to the statement issuers it registers for (403).
 * - Reads: open, unless AUTH_READ=true; then the same credentials are required, except on
 *   {@link OPEN_ROUTES}.
 * Every refusal happens before the statement is even decoded by the handler: nothing is appended.
 */
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { getCwtClaims } from '../../libs/cose/src/index.js';
import { submitterMayRegister, type RegistrationPolicy } from '../../libs/ledger/src/index.js';
import { toEntry } from '../../libs/receipt/src/index.js';
import { ProblemError, tooMany } from '../common/problem.js';
import { RateLimiter } from '../common/rate-limiter.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { CONFIG, POLICY } from '../infrastructure/tokens.js';
import { Authenticator } from './authenticator.js';

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
    // RFC 6750 §3: no error code when the request carried no credential at all
    'www-authenticate': invalid ? `${REALM}, error="invalid_token", error_description="${quoted(detail)}"` : REALM,
  });

export const forbidden = (detail: string): ProblemError =>
  new ProblemError(403, 'Forbidden', detail, 'ERR_SUBMITTER_NOT_ALLOWED', { 'www-authenticate': `${REALM}, error="insufficient_scope", error_description="${quoted(detail)}"` });

/** The identity a request was authenticated as (for logs and handlers), when it was. */
export const identityOf = (req: FastifyRequest): string | undefined => (req as { scittIdentity?: string }).scittIdentity;

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly limiter: RateLimiter;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly auth: Authenticator,
    @Inject(POLICY) private readonly policy: RegistrationPolicy,
    @Inject(CONFIG) config: ServiceConfig,
  ) {
    this.limiter = new RateLimiter(config.rateLimitPerMinute);
    this.maxBodyBytes = config.maxBodyBytes;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const route = req.routeOptions?.url ?? '';
    const register = req.method === 'POST' && route === '/entries';
    if (!register && (!this.auth.readRequired || OPEN_ROUTES.has(route))) return true;
    if (register && !this.auth.required) {
      this.rateLimit(req);
      return true;
    }
    const outcome = await this.auth.authenticate(req.headers.authorization);
    if (outcome.kind !== 'authenticated') {
      this.rateLimit(req);
      if (outcome.kind === 'anonymous') throw unauthorized(register ? 'registration needs a credential: Authorization: Bearer <token>' : 'this ledger needs a credential to read: Authorization: Bearer <token>', false);
      if (outcome.unavailable) throw new ProblemError(503, 'Service Unavailable', outcome.why, 'ERR_AUTH_UNAVAILABLE', { 'retry-after': '5' });
      throw unauthorized(outcome.why, true);
    }
    (req as { scittIdentity?: string }).scittIdentity = outcome.identity;
    if (register) this.checkSubmitter(outcome.identity, req.body);
    return true;
  }

  private rateLimit(req: FastifyRequest): void {
    const wait = this.limiter.take(req.ip);
    if (wait > 0) throw tooMany(wait);
  }

  /**
   * The policy's identity → issuers binding. The issuer is read with the handler's own decoder
   * (the same bytes give the same `iss`); a body that doesn't decode is left to the handler,
   * which refuses it as malformed.
   */
  private checkSubmitter(identity: string, body: unknown): void {
    if (!this.policy.submitters) return;
    let iss: unknown;
    try {
      iss = getCwtClaims(toEntry(body as Uint8Array, { maxSize: this.maxBodyBytes }).statement.protectedHeader).iss;
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
}
