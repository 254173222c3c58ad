/**
 * Submitter and reader authentication settings (docs/operations.md#authentication), read from
 * environment variables and validated at start like every other setting.
 */
import { isAbsolute, resolve } from 'node:path';

export interface OidcConfig {
  /** the tokens' `iss`, exactly */
  readonly issuer: string;
  /** the `aud` the tokens must carry */
  readonly audience: string;
  readonly jwks: { readonly kind: 'url'; readonly url: URL } | { readonly kind: 'file'; readonly path: string };
  /** JWS algorithms accepted (never `none`, never an HMAC: the keys are public) */
  readonly algorithms: readonly string[];
  /** the claim that names the submitter (identity `oidc:<value>`) */
  readonly identityClaim: string;
  readonly clockToleranceSec: number;
  /** a fetched JWKS is used this long before it is fetched again */
  readonly jwksCacheSec: number;
  /** an unknown `kid` refetches the JWKS at most this often */
  readonly jwksCooldownSec: number;
}

export interface AuthConfig {
  /** the static API tokens file (hashed tokens), re-read when it changes */
  readonly tokensFile: string | undefined;
  readonly oidc: OidcConfig | undefined;
  /** reads (queries, receipts) need a credential too: a private deployment */
  readonly read: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

export class AuthConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'AuthConfigError';
  }
}

/** Asymmetric JWS algorithms jose verifies; HS* is refused outright (a public JWKS can't key an HMAC). */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];

function seconds(env: Env, name: string, def: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^[0-9]+$/.test(raw) || Number(raw) > max) throw new AuthConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected whole seconds from 0 to ${max}`);
  return Number(raw);
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

function jwksOf(env: Env, cwd: string): OidcConfig['jwks'] {
  const url = env.AUTH_OIDC_JWKS_URL || undefined;
  const file = env.AUTH_OIDC_JWKS_FILE || undefined;
  if (url && file) throw new AuthConfigError('AUTH_OIDC_JWKS_URL and AUTH_OIDC_JWKS_FILE are both set: give one');
  if (file) return { kind: 'file', path: isAbsolute(file) ? file : resolve(cwd, file) };
  if (!url) throw new AuthConfigError('AUTH_OIDC_ISSUER needs AUTH_OIDC_JWKS_URL (the issuer\'s jwks_uri) or AUTH_OIDC_JWKS_FILE');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AuthConfigError(`AUTH_OIDC_JWKS_URL=${JSON.stringify(url)} is not a URL`);
  }
  // Keys fetched over plain HTTP could be replaced on the way: only a loopback address may use it.
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
    throw new AuthConfigError(`AUTH_OIDC_JWKS_URL=${JSON.stringify(url)} is not valid: expected an https:// URL (http:// only on a loopback address)`);
  }
  return { kind: 'url', url: u };
}

function oidcOf(env: Env, cwd: string): OidcConfig | undefined {
  const issuer = env.AUTH_OIDC_ISSUER || undefined;
  const others = ['AUTH_OIDC_AUDIENCE', 'AUTH_OIDC_JWKS_URL', 'AUTH_OIDC_JWKS_FILE'].filter((n) => env[n]);
  if (!issuer) {
    if (others.length > 0) throw new AuthConfigError(`${others.join(', ')} set without AUTH_OIDC_ISSUER: set the tokens' issuer too`);
    return undefined;
  }
  const audience = env.AUTH_OIDC_AUDIENCE || undefined;
  if (!audience) throw new AuthConfigError('AUTH_OIDC_ISSUER needs AUTH_OIDC_AUDIENCE (the audience the tokens are minted for: this ledger)');
  const algorithms = (env.AUTH_OIDC_ALGORITHMS || DEFAULT_ALGORITHMS.join(',')).split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of algorithms) {
    if (!(OIDC_ALGORITHMS as readonly string[]).includes(a)) {
      throw new AuthConfigError(`AUTH_OIDC_ALGORITHMS: ${JSON.stringify(a)} is not accepted: expected some of ${OIDC_ALGORITHMS.join(', ')} (no HMAC, no none)`);
    }
  }
  if (algorithms.length === 0) throw new AuthConfigError('AUTH_OIDC_ALGORITHMS is empty');
  const identityClaim = env.AUTH_OIDC_IDENTITY_CLAIM || 'sub';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(identityClaim)) throw new AuthConfigError(`AUTH_OIDC_IDENTITY_CLAIM=${JSON.stringify(identityClaim)} is not a claim name`);
  return {
    issuer,
    audience,
    jwks: jwksOf(env, cwd),
    algorithms,
    identityClaim,
    clockToleranceSec: seconds(env, 'AUTH_OIDC_CLOCK_TOLERANCE_S', 30, 600),
    jwksCacheSec: seconds(env, 'AUTH_OIDC_JWKS_CACHE_S', 600, 86400),
    jwksCooldownSec: seconds(env, 'AUTH_OIDC_JWKS_COOLDOWN_S', 30, 3600),
  };
}

/** Read and validate the authentication settings. */
export function loadAuthConfig(env: Env, cwd: string): AuthConfig {
  const tokens = env.AUTH_TOKENS_FILE || undefined;
  const oidc = oidcOf(env, cwd);
  const readRaw = env.AUTH_READ ?? '';
  if (!['', 'true', 'false'].includes(readRaw)) throw new AuthConfigError(`AUTH_READ=${JSON.stringify(readRaw)} is not valid: expected true or false`);
  const read = readRaw === 'true';
  if (read && !tokens && !oidc) throw new AuthConfigError('AUTH_READ=true needs a way to authenticate: AUTH_TOKENS_FILE and/or AUTH_OIDC_ISSUER');
  return { tokensFile: tokens && (isAbsolute(tokens) ? tokens : resolve(cwd, tokens)), oidc, read };
}

/** True when any authentication method is configured (registration then requires a credential). */
export const authEnabled = (c: AuthConfig): boolean => c.tokensFile !== undefined || c.oidc !== undefined;
