/**
 * Configuration of the OCI referrer publisher, from environment variables, validated once at
 * start (docs/oci.md, "The referrer publisher"). A bad value stops the service with a message
 * naming the variable; secrets are never quoted.
 */
import { join } from 'node:path';
import {
  dockerConfigCredentials,
  dockerConfigPath,
  isLoopbackHost,
  isRegistryHost,
  normalizeRegistryHost,
  type CredentialSource,
  type Credentials,
  type ReferrersMode,
} from '../../libs/oci/src/index.js';
import { ConfigError } from '../infrastructure/env.reader.js';
import { JsonDuplicateKeyError, parseJsonStrict } from '../../libs/ledger/src/index.js';

type Env = Readonly<Record<string, string | undefined>>;

/** One configured registry (`host[:port]`, lowercase). */
export interface RegistrySettings {
  readonly host: string;
  /** false: plain http (default for loopback hosts), true: https */
  readonly tls: boolean;
  readonly referrersMode: ReferrersMode;
  /** explicit credentials (JSON config or OCI_REGISTRY_USERNAME/PASSWORD); else the docker config */
  readonly credentials?: Credentials;
}

export interface PublisherConfig {
  /** OCI_PUBLISHER=off disables publication (the status endpoint then answers "disabled"). */
  readonly enabled: boolean;
  readonly registries: ReadonlyMap<string, RegistrySettings>;
  readonly referrersMode: ReferrersMode;
  /** Where claims about registries that are not configured go (OCI_LAYOUT_DIR, default `<dataDir>/oci-layout`). */
  readonly layoutDir: string;
  /**
   * How the layout target resolves a subject descriptor it does not hold itself: `registry`
   * (default) sends a read-only HEAD to the subject's registry; `layout` never leaves the machine.
   */
  readonly subjectLookup: 'registry' | 'layout';
  /** Most publications in flight overall, and per (registry, repository). */
  readonly concurrency: number;
  readonly repositoryConcurrency: number;
  /** Capped exponential backoff with jitter between attempts of one publication. */
  readonly retry: { readonly minMs: number; readonly maxMs: number };
  readonly requestTimeoutMs: number;
  /** The publisher's own SQLite file. */
  readonly databasePath: string;
  /** Credentials for hosts without explicit ones ($DOCKER_CONFIG/config.json or ~/.docker/config.json). */
  readonly dockerCredentials: CredentialSource;
}

const MODES = ['auto', 'api', 'tag'] as const;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

function mode(raw: unknown, where: string): ReferrersMode {
  if (typeof raw !== 'string' || !(MODES as readonly string[]).includes(raw)) {
    throw new ConfigError(`${where}=${JSON.stringify(raw)} is not valid: expected one of ${MODES.join(', ')}`);
  }
  return raw as ReferrersMode;
}

function hostOf(raw: string, where: string): string {
  const host = normalizeRegistryHost(raw);
  if (!isRegistryHost(host)) throw new ConfigError(`${where}: ${JSON.stringify(raw.slice(0, 100))} is not a registry host[:port]`);
  return host;
}

const isLoopback = (host: string): boolean => isLoopbackHost(new URL(`http://${host}`).hostname);

/** `host[:port][=http|https]`, comma separated. */
function parseList(raw: string, defaultMode: ReferrersMode): RegistrySettings[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const eq = item.lastIndexOf('=');
      const hostPart = eq >= 0 ? item.slice(0, eq) : item;
      const scheme = eq >= 0 ? item.slice(eq + 1).toLowerCase() : undefined;
      if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
        throw new ConfigError(`OCI_REGISTRIES: ${JSON.stringify(item)} is not valid: expected host[:port]=http or host[:port]=https`);
      }
      const host = hostOf(hostPart, 'OCI_REGISTRIES');
      return { host, tls: scheme === undefined ? !isLoopback(host) : scheme === 'https', referrersMode: defaultMode };
    });
}

/** `{"host:port": {tls?, username?, password?, referrersMode?}}` or `[{host, …}]`. */
function parseJson(raw: string, defaultMode: ReferrersMode): RegistrySettings[] {
  let parsed: unknown;
  try {
    parsed = parseJsonStrict(raw);
  } catch (err) {
    if (err instanceof JsonDuplicateKeyError) throw new ConfigError(`OCI_REGISTRIES: ${err.message}`);
    // no cause: the parser's message may quote the text, and the text may hold passwords
    throw new ConfigError('OCI_REGISTRIES is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object') throw new ConfigError('OCI_REGISTRIES: expected a JSON object keyed by host (or an array of {host, …})');
  const items: [string, unknown][] = Array.isArray(parsed)
    ? parsed.map((e, i) => [typeof (e as { host?: unknown })?.host === 'string' ? (e as { host: string }).host : `#${i}`, e])
    : Object.entries(parsed);
  return items.map(([key, value]) => {
    const where = `OCI_REGISTRIES[${JSON.stringify(key.slice(0, 100))}]`;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where}: expected an object`);
    const v = value as Record<string, unknown>;
    const host = hostOf(key, where);
    for (const k of Object.keys(v)) {
      if (!['host', 'tls', 'username', 'password', 'referrersMode'].includes(k)) throw new ConfigError(`${where}: unknown key ${JSON.stringify(k)}`);
    }
    if (v.tls !== undefined && typeof v.tls !== 'boolean') throw new ConfigError(`${where}.tls: expected true or false`);
    if ((v.username === undefined) !== (v.password === undefined) || (v.username !== undefined && (typeof v.username !== 'string' || typeof v.password !== 'string'))) {
      throw new ConfigError(`${where}: username and password must both be strings, or both absent`);
    }
    return {
      host,
      tls: typeof v.tls === 'boolean' ? v.tls : !isLoopback(host),
      referrersMode: v.referrersMode === undefined ? defaultMode : mode(v.referrersMode, `${where}.referrersMode`),
      ...(typeof v.username === 'string' ? { credentials: { username: v.username, password: v.password as string } } : {}),
    };
  });
}

/**
 * Reads and validates the publisher's variables (see docs/oci.md for the list).
 * @example
 *   loadPublisherConfig({ OCI_REGISTRIES: '127.0.0.1:5000=http' }, './data').registries.get('127.0.0.1:5000')
 *   // { host: '127.0.0.1:5000', tls: false, referrersMode: 'auto' }
 */
export function loadPublisherConfig(env: Env, dataDir: string): PublisherConfig {
  const enabledRaw = (env.OCI_PUBLISHER ?? 'on').toLowerCase();
  if (!['on', 'off', ''].includes(enabledRaw)) throw new ConfigError(`OCI_PUBLISHER=${JSON.stringify(env.OCI_PUBLISHER)} is not valid: expected on or off`);
  const referrersMode = env.OCI_REFERRERS_MODE ? mode(env.OCI_REFERRERS_MODE, 'OCI_REFERRERS_MODE') : 'auto';
  const raw = (env.OCI_REGISTRIES ?? '').trim();
  const list = raw === '' ? [] : raw.startsWith('{') || /^\[\s*[{\]]/.test(raw) ? parseJson(raw, referrersMode) : parseList(raw, referrersMode);
  const user = env.OCI_REGISTRY_USERNAME;
  const pass = env.OCI_REGISTRY_PASSWORD;
  if ((user === undefined || user === '') !== (pass === undefined || pass === '')) {
    throw new ConfigError('OCI_REGISTRY_USERNAME and OCI_REGISTRY_PASSWORD must be set together');
  }
  const registries = new Map<string, RegistrySettings>();
  for (const r of list) {
    if (registries.has(r.host)) throw new ConfigError(`OCI_REGISTRIES: ${r.host} is configured twice`);
    registries.set(r.host, r.credentials || !user ? r : { ...r, credentials: { username: user, password: pass! } });
  }
  // Safe by default: never contact a host that only a registrant named (no SSRF); configured registries are always asked.
  const lookup = env.OCI_SUBJECT_LOOKUP || 'layout';
  if (lookup !== 'registry' && lookup !== 'layout') throw new ConfigError(`OCI_SUBJECT_LOOKUP=${JSON.stringify(lookup)} is not valid: expected registry or layout`);
  const minMs = int(env, 'OCI_PUBLISH_RETRY_MIN_MS', 1000, 10, 3_600_000);
  const maxMs = int(env, 'OCI_PUBLISH_RETRY_MAX_MS', 300_000, 10, 86_400_000);
  if (maxMs < minMs) throw new ConfigError(`OCI_PUBLISH_RETRY_MAX_MS=${maxMs} is not valid: it must be ≥ OCI_PUBLISH_RETRY_MIN_MS (${minMs})`);
  const enabled = enabledRaw !== 'off';
  let dockerCredentials: CredentialSource = () => undefined;
  if (enabled) {
    try {
      dockerCredentials = dockerConfigCredentials(dockerConfigPath(env));
    } catch (err) {
      throw new ConfigError(`couldn't read registry credentials: ${(err as Error).message}`);
    }
  }
  return {
    enabled,
    registries,
    referrersMode,
    layoutDir: env.OCI_LAYOUT_DIR || join(dataDir, 'oci-layout'),
    subjectLookup: lookup,
    concurrency: int(env, 'OCI_PUBLISH_CONCURRENCY', 4, 1, 256),
    repositoryConcurrency: int(env, 'OCI_PUBLISH_REPO_CONCURRENCY', 2, 1, 64),
    retry: { minMs, maxMs },
    requestTimeoutMs: int(env, 'OCI_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    databasePath: join(dataDir, 'publisher.sqlite'),
    dockerCredentials,
  };
}
