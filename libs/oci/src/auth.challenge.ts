/**
 * Registry authentication: parses `WWW-Authenticate` challenges and answers them — Basic with the
 * registry's credentials, Bearer by fetching a token from the realm (distribution "token
 * authentication"), cached per (realm, service, scopes) until shortly before it expires.
 * Secrets go only into request headers: never into messages, errors or logs.
 */
import type { Credentials } from './docker-config.credentials.js';
import { RegistryError, codeForStatus, parseErrorBody } from './oci.errors.js';

/** One challenge of a `WWW-Authenticate` header. `scheme` is lowercase; param names too. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1): several challenges, quoted strings with
 * commas and backslash escapes.
 * @example parseWwwAuthenticate('Bearer realm="https://a/token",service="reg",scope="repository:x:pull,push"')
 *   // [{ scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg', scope: 'repository:x:pull,push' } }]
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skipWs();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const name = token();
    if (name === '') {
      i++; // junk character: skip it
      continue;
    }
    skipWs();
    if (header[i] === '=' && current) {
      i++;
      skipWs();
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++; // closing quote
      } else {
        const vStart = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ') i++;
        value = header.slice(vStart, i);
      }
      current.params[name.toLowerCase()] = value;
    } else if (header[i] === '=' && !current) {
      i = start + name.length + 1; // a parameter before any scheme: ignore it
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      // token68 form (e.g. `Negotiate abc==`): not used by registries; skip to the next comma.
      skipWs();
      const save = i;
      const t = token();
      skipWs();
      // token68 ends in '=' padding followed by ',' or the end; `name=value` is a parameter.
      let j = i;
      while (j < n && header[j] === '=') j++;
      const padded = j > i && /^\s*(,|$)/.test(header.slice(j));
      if (t !== '' && (header[i] !== '=' || padded)) {
        while (i < n && header[i] !== ',') i++;
      } else {
        i = save;
      }
    }
  }
  return out;
}

/** Whether a URL's host is loopback (plain http and credentials are fine there). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

export interface AuthenticatorOptions {
  registry: string;
  credentials?: Credentials;
  fetch: typeof fetch;
  now: () => number;
  userAgent: string;
}

/**
 * Holds what one registry asked for last and the tokens it handed out.
 * A request declares the scopes it needs (`repository:team/app:pull,push`); {@link headersFor}
 * returns a header for them without a round trip once the registry's scheme is known.
 */
export class Authenticator {
  private scheme: 'basic' | 'bearer' | undefined;
  private realm = '';
  private service: string | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(private readonly options: AuthenticatorOptions) {}

  /** Headers to send for a request needing `scopes` (may fetch a token). */
  async headersFor(scopes: readonly string[]): Promise<Record<string, string>> {
    const c = this.options.credentials;
    if (this.scheme === 'basic' && c?.username !== undefined && c.password !== undefined) {
      return { authorization: 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64') };
    }
    if (this.scheme === 'bearer') {
      const t = await this.token(scopes, false);
      return { authorization: `Bearer ${t.token}` };
    }
    return {};
  }

  /**
   * Handles a 401: learns the challenge, drops a stale token, and says whether a retry can help
   * (false when there is nothing new to try — no credentials for Basic, unknown scheme).
   */
  async challenged(res: Response, scopes: readonly string[], sentAuthorization: boolean): Promise<boolean> {
    const challenges = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer) {
      const wasBearer = this.scheme === 'bearer';
      this.scheme = 'bearer';
      this.realm = bearer.params.realm!;
      this.service = bearer.params.service;
      const all = [...scopes];
      for (const s of (bearer.params.scope ?? '').split(' ')) if (s && !all.includes(s)) all.push(s);
      if (wasBearer && sentAuthorization) this.tokens.delete(this.key(scopes));
      await this.token(all, true, this.key(scopes));
      return true;
    }
    if (basic) {
      const c = this.options.credentials;
      const had = this.scheme === 'basic';
      this.scheme = 'basic';
      return !had && c?.username !== undefined && c.password !== undefined && !sentAuthorization;
    }
    return false;
  }

  private key(scopes: readonly string[]): string {
    return `${this.realm}\n${this.service ?? ''}\n${[...scopes].sort().join(' ')}`;
  }

  private async token(scopes: readonly string[], fresh: boolean, cacheKey = this.key(scopes)): Promise<CachedToken> {
    const cached = this.tokens.get(cacheKey);
    if (!fresh && cached && cached.expiresAt > this.options.now()) return cached;
    const inflight = this.pending.get(cacheKey);
    if (inflight) return inflight;
    const p = this.fetchToken(scopes).finally(() => this.pending.delete(cacheKey));
    this.pending.set(cacheKey, p);
    const t = await p;
    this.tokens.set(cacheKey, t);
    return t;
  }

  private async fetchToken(scopes: readonly string[]): Promise<CachedToken> {
    const { registry, credentials: c, now, userAgent } = this.options;
    if (c?.registryToken) return { token: c.registryToken, expiresAt: Number.MAX_SAFE_INTEGER };
    let realm: URL;
    try {
      realm = new URL(this.realm);
    } catch (cause) {
      throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't authenticate to ${registry}: bad token realm`, { status: 401, cause });
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopbackHost(realm.hostname))) {
      throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't authenticate to ${registry}: token realm ${realm.origin} is not https`, { status: 401 });
    }
    const headers: Record<string, string> = { 'user-agent': userAgent, accept: 'application/json' };
    let res: Response;
    try {
      if (c?.identityToken) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, client_id: 'scitt-ledger' });
        if (this.service) form.set('service', this.service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        res = await this.options.fetch(realm, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      } else {
        if (this.service) realm.searchParams.set('service', this.service);
        for (const s of scopes) realm.searchParams.append('scope', s);
        if (c?.username !== undefined && c.password !== undefined) {
          headers.authorization = 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
        }
        res = await this.options.fetch(realm, { headers });
      }
    } catch (cause) {
      throw new RegistryError('ERR_OCI_NETWORK', `couldn't fetch a token for ${registry} from ${realm.origin}: ${(cause as Error).message}`, { status: 0, cause });
    }
    const body = await res.text();
    if (res.status !== 200) {
      const code = res.status === 401 ? 'ERR_OCI_UNAUTHORIZED' : codeForStatus(res.status);
      throw new RegistryError(code, `couldn't fetch a token for ${registry} from ${realm.origin}: HTTP ${res.status}`, { status: res.status, errors: parseErrorBody(body) });
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't fetch a token for ${registry}: the token response is not JSON`, { status: res.status });
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't fetch a token for ${registry}: no token in the response`, { status: res.status });
    }
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    // Renew 10% (at most 30 s) early so a token does not expire in flight.
    const expiresAt = now() + seconds * 1000 - Math.min(30_000, seconds * 100);
    return { token, expiresAt };
  }
}
