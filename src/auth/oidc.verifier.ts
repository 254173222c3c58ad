/**
 * OIDC bearer JWTs, verified with `jose` against the configured issuer, audience and JWKS
 * (docs/operations.md#oidc-bearer-tokens). The JWKS is a URL (fetched on first use, cached for
 * AUTH_OIDC_JWKS_CACHE_S, refetched early — at most once per AUTH_OIDC_JWKS_COOLDOWN_S — when a
 * token names a `kid` it doesn't hold, so an identity provider's key rotation needs no restart)
 * or a file (re-read when it changes).
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { OidcConfig } from './auth.config.js';

export class OidcConfigError extends Error {
  readonly code = 'ERR_OIDC_JWKS_FILE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OidcConfigError';
  }
}

/** The JWKS URL could not be read (down, timed out, not 200): not the token's fault. */
function jwksUnavailable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout) return true;
  if (err instanceof errors.JWKSInvalid) return true;
  if (err instanceof TypeError) return true; // fetch failed (refused, reset, DNS)
  return err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(err.message);
}

/** Why a token was refused, in our words (jose's codes map onto these). */
function refusal(err: unknown, c: OidcConfig): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `the token is not for this ledger (aud must be ${JSON.stringify(c.audience)})`;
    if (err.claim === 'iss') return `the token is not from the configured issuer (iss must be ${JSON.stringify(c.issuer)})`;
    if (err.claim === 'exp' && err.reason === 'missing') return 'the token has no expiry (exp)';
    if (err.claim === 'nbf') return 'the token is not valid yet (nbf)';
    return `the token's ${err.claim} claim is not acceptable (${err.reason})`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `the token's algorithm is not accepted (accepted: ${c.algorithms.join(', ')})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer\'s JWKS verifies the token';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'several keys of the issuer\'s JWKS match the token and none verifies it';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'not a well-formed signed JWT';
  if (err instanceof errors.JOSENotSupported) return 'the token uses an algorithm or key this ledger does not support';
  return 'the token could not be verified';
}

function readJwks(path: string): JSONWebKeySet {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
    if (!doc || !Array.isArray(doc.keys)) throw new Error('no "keys" list');
    for (const k of doc.keys) if ((k as { d?: unknown }).d !== undefined || k.kty === 'oct') throw new Error('it holds a private or symmetric key: a JWKS here holds public keys only');
    return doc;
  } catch (cause) {
    throw new OidcConfigError(`couldn't read AUTH_OIDC_JWKS_FILE ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** A JWKS file as a jose key resolver, re-read when the file changes (the last good set stays on a bad edit). */
function fileJwks(path: string, onError: (m: string) => void): JWTVerifyGetKey {
  let stat: Stats | undefined = statSync(path, { throwIfNoEntry: false });
  let keys = createLocalJWKSet(readJwks(path));
  return (header, token) => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && !(stat && st.ino === stat.ino && st.size === stat.size && st.mtimeMs === stat.mtimeMs && st.ctimeMs === stat.ctimeMs)) {
      stat = st;
      try {
        keys = createLocalJWKSet(readJwks(path));
      } catch (err) {
        onError(`${(err as Error).message}; keeping the keys read before`);
      }
    }
    return keys(header, token);
  };
}

export class OidcVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly config: OidcConfig,
    onError: (message: string) => void = () => {},
  ) {
    this.keys =
      config.jwks.kind === 'file'
        ? fileJwks(config.jwks.path, onError)
        : createRemoteJWKSet(config.jwks.url, {
            cacheMaxAge: config.jwksCacheSec * 1000,
            cooldownDuration: config.jwksCooldownSec * 1000,
            timeoutDuration: 5000,
            headers: { 'user-agent': 'scitt-ledger' },
          });
  }

  /** The identity `oidc:<claim>` of a valid token, or why it is refused. */
  async verify(jwt: string, now: Date): Promise<{ ok: true; identity: string } | { ok: false; why: string; unavailable?: true }> {
    const c = this.config;
    try {
      const { payload } = await jwtVerify(jwt, this.keys, {
        issuer: c.issuer,
        audience: c.audience,
        algorithms: [...c.algorithms],
        clockTolerance: c.clockToleranceSec,
        requiredClaims: ['exp', c.identityClaim],
        currentDate: now,
      });
      const who = payload[c.identityClaim];
      if (typeof who !== 'string' || who.length === 0 || who.length > 1024) return { ok: false, why: `the token's ${c.identityClaim} claim is not a non-empty string` };
      return { ok: true, identity: `oidc:${who}` };
    } catch (err) {
      if (jwksUnavailable(err)) return { ok: false, why: `couldn't fetch the issuer's JWKS: ${(err as Error).message}`, unavailable: true };
      return { ok: false, why: refusal(err, c) };
    }
  }
}
