/**
 * Registry credentials: explicit, or from a docker `config.json` (`$DOCKER_CONFIG/config.json`,
 * else `~/.docker/config.json`): `auths[host].auth` (base64 `user:pass`), or
 * `auths[host].username` / `.password`, or `auths[host].identitytoken` (an OAuth2 refresh token).
 * Credential helpers (`credsStore`, `credHelpers`) are not run (see docs/oci.md).
 * Nothing here logs; error messages name the file and host, never a secret.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OciError } from './oci.errors.js';

/** Credentials for one registry. */
export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker's `identitytoken`), exchanged at the token realm. */
  identityToken?: string;
  /** A ready bearer token sent as is (`registrytoken`). */
  registryToken?: string;
}

/** Resolves credentials for a registry host (`host[:port]`). */
export type CredentialSource = (registry: string) => Credentials | undefined;

/** Host keys docker writes for Docker Hub. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** `https://host:port/v1/` → `host:port`; Docker Hub aliases → `docker.io`. */
export function normalizeRegistryHost(key: string): string {
  let h = key.trim();
  h = h.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = h.indexOf('/');
  if (slash >= 0) h = h.slice(0, slash);
  h = h.toLowerCase();
  return DOCKER_HUB.has(h) ? 'docker.io' : h;
}

/**
 * Reads the credentials of every registry in a docker config object.
 * Throws `ERR_OCI_CREDENTIALS_INVALID` for an `auth` that isn't base64 `user:password`.
 */
export function credentialsFromDockerConfig(config: unknown, source = 'docker config'): Map<string, Credentials> {
  const out = new Map<string, Credentials>();
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (!auths || typeof auths !== 'object') return out;
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const c: Credentials = {};
    if (typeof e.auth === 'string' && e.auth !== '') {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new OciError('ERR_OCI_CREDENTIALS_INVALID', `couldn't read credentials for ${normalizeRegistryHost(key)} in ${source}: "auth" is not base64 of user:password`);
      }
      c.username = decoded.slice(0, colon);
      c.password = decoded.slice(colon + 1);
    }
    if (typeof e.username === 'string' && e.username !== '') c.username = e.username;
    if (typeof e.password === 'string' && e.password !== '') c.password = e.password;
    if (typeof e.identitytoken === 'string' && e.identitytoken !== '') c.identityToken = e.identitytoken;
    if (typeof e.registrytoken === 'string' && e.registrytoken !== '') c.registryToken = e.registrytoken;
    if (Object.keys(c).length > 0) out.set(normalizeRegistryHost(key), c);
  }
  return out;
}

/** The docker config path: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(env.HOME || homedir(), '.docker', 'config.json');
}

/**
 * A {@link CredentialSource} over a docker config file (read once, now). A missing file gives no
 * credentials; an unreadable or malformed one throws `ERR_OCI_CREDENTIALS_INVALID`.
 * @example const creds = dockerConfigCredentials(); new RegistryClient({ registry: 'ghcr.io', credentials: creds });
 */
export function dockerConfigCredentials(path: string = dockerConfigPath()): CredentialSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return () => undefined;
    throw new OciError('ERR_OCI_CREDENTIALS_INVALID', `couldn't read docker config ${path}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No cause: a JSON parse error message could quote the file, secrets included.
    throw new OciError('ERR_OCI_CREDENTIALS_INVALID', `couldn't read docker config ${path}: not valid JSON`);
  }
  const map = credentialsFromDockerConfig(parsed, path);
  return (registry) => map.get(normalizeRegistryHost(registry));
}

/** Explicit credentials per host first, then `fallback` (e.g. the docker config). */
export function staticCredentials(byHost: Record<string, Credentials>, fallback?: CredentialSource): CredentialSource {
  const map = new Map(Object.entries(byHost).map(([k, v]) => [normalizeRegistryHost(k), v]));
  return (registry) => map.get(normalizeRegistryHost(registry)) ?? fallback?.(registry);
}
