/**
 * Who is asking: an `Authorization: Bearer <credential>` header resolved to an identity —
 * `token:<name>` for a static API token, `oidc:<sub>` for an OIDC JWT. The two credential forms
 * can't be confused: an API token is `scitt_…` with no dot, a JWT is three dot-separated parts.
 */
import { ApiTokensStore, API_TOKEN } from './api-tokens.store.js';
import { authEnabled, type AuthConfig } from './auth.config.js';
import { OidcVerifier } from './oidc.verifier.js';

export type AuthOutcome =
  | { readonly kind: 'authenticated'; readonly identity: string }
  /** no Authorization header at all */
  | { readonly kind: 'anonymous' }
  /** a credential that is refused; `unavailable` when the issuer's keys could not be fetched */
  | { readonly kind: 'refused'; readonly why: string; readonly unavailable?: true };

/** Longest credential looked at: a JWT bigger than this is refused unread. */
const MAX_CREDENTIAL = 8192;

export class Authenticator {
  private readonly tokens: ApiTokensStore | undefined;
  private readonly oidc: OidcVerifier | undefined;

  constructor(
    readonly config: AuthConfig,
    onError: (message: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.tokens = config.tokensFile ? new ApiTokensStore(config.tokensFile, onError) : undefined;
    this.oidc = config.oidc ? new OidcVerifier(config.oidc, onError) : undefined;
  }

  /** Registration needs a credential (whenever any method is configured). */
  get required(): boolean {
    return authEnabled(this.config);
  }

  /** Reads need one too (a private deployment). */
  get readRequired(): boolean {
    return this.config.read;
  }

  /** The methods configured, for the start-up log line. */
  describe(): string {
    const m = [
      ...(this.tokens ? [`static API tokens (${this.tokens.path}, ${this.tokens.size} now)`] : []),
      ...(this.config.oidc ? [`OIDC JWTs from ${this.config.oidc.issuer} for audience ${this.config.oidc.audience}`] : []),
    ];
    return m.length === 0 ? 'none: anyone may register (rate limited per address)' : `${m.join(' and ')}; reads ${this.config.read ? 'need a credential too' : 'are open'}`;
  }

  async authenticate(authorization: string | string[] | undefined): Promise<AuthOutcome> {
    if (authorization === undefined || authorization === '') return { kind: 'anonymous' };
    if (Array.isArray(authorization)) return { kind: 'refused', why: 'several Authorization headers' };
    const m = /^Bearer +([^\s]+) *$/i.exec(authorization);
    if (!m) return { kind: 'refused', why: 'expected Authorization: Bearer <token>' };
    const credential = m[1]!;
    if (credential.length > MAX_CREDENTIAL) return { kind: 'refused', why: `the credential is longer than ${MAX_CREDENTIAL} characters` };
    const now = this.now();
    if (API_TOKEN.test(credential)) {
      if (!this.tokens) return { kind: 'refused', why: 'this ledger accepts no static API tokens' };
      const r = this.tokens.lookup(credential, now);
      return r.ok ? { kind: 'authenticated', identity: `token:${r.entry.name}` } : { kind: 'refused', why: r.why };
    }
    if (!this.oidc) return { kind: 'refused', why: this.tokens ? 'not an API token of this ledger' : 'this ledger accepts no bearer tokens' };
    const r = await this.oidc.verify(credential, now);
    if (r.ok) return { kind: 'authenticated', identity: r.identity };
    return r.unavailable ? { kind: 'refused', why: r.why, unavailable: true } : { kind: 'refused', why: r.why };
  }
}
