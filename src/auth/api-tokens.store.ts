/**
 * Static API tokens, stored hashed in a file (docs/operations.md#static-api-tokens) and re-read
 * when the file changes, so tokens are added and revoked without a restart.
 *
 * A token is `scitt_` + 43 base64url characters (32 random bytes); the file keeps only the
 * SHA-256 of the token string. A fast hash is enough: the tokens are random 256-bit secrets, so
 * there is nothing to brute-force (passwords would need a slow hash; these are not passwords).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export const API_TOKEN = /^scitt_[A-Za-z0-9_-]{43}$/;

export interface ApiTokenEntry {
  /** the submitter's name: identity `token:<name>` */
  readonly name: string;
  /** lowercase hex SHA-256 of the token string */
  readonly sha256: string;
  /** after this instant the token is refused */
  readonly expires?: Date;
}

export class ApiTokensError extends Error {
  readonly code = 'ERR_API_TOKENS_FILE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiTokensError';
  }
}

/** A new random token and its file entry (what `scitt token create` prints). */
export function createApiToken(): { token: string; sha256: string } {
  const token = `scitt_${randomBytes(32).toString('base64url')}`;
  return { token, sha256: hashApiToken(token) };
}

export const hashApiToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Validate a parsed tokens document (YAML or JSON). */
export function parseApiTokens(doc: unknown, source: string): ApiTokenEntry[] {
  const fail = (path: string, why: string): never => {
    throw new ApiTokensError(`couldn't read the API tokens file ${source}: ${path} ${why}`);
  };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail('(document)', 'must be a mapping with version: 1 and tokens: [...]');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (k !== 'version' && k !== 'tokens') fail(k, 'is not a field (known: version, tokens)');
  if (d.version !== 1) fail('version', 'must be 1');
  const list = d.tokens ?? [];
  if (!Array.isArray(list)) fail('tokens', 'must be a list');
  const seen = new Set<string>();
  return (list as unknown[]).map((raw, i): ApiTokenEntry => {
    const p = `tokens[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(p, 'must be a mapping');
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!['name', 'sha256', 'expires'].includes(k)) fail(`${p}.${k}`, 'is not a token field (known: name, sha256, expires)');
    if (typeof r.name !== 'string' || !/^[A-Za-z0-9._@/-]{1,128}$/.test(r.name)) fail(`${p}.name`, 'must be 1–128 characters of A–Z a–z 0–9 . _ @ / -');
    if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) fail(`${p}.sha256`, 'must be 64 lowercase hex digits (the SHA-256 of the token: `scitt token create` prints it)');
    if (seen.has(r.sha256 as string)) fail(`${p}.sha256`, 'repeats another token');
    seen.add(r.sha256 as string);
    let expires: Date | undefined;
    if (r.expires !== undefined) {
      // YAML turns an unquoted timestamp into a Date; JSON gives a string
      expires = r.expires instanceof Date ? r.expires : typeof r.expires === 'string' && /^\d{4}-\d\d-\d\dT/.test(r.expires) ? new Date(r.expires) : undefined;
      if (!expires || Number.isNaN(expires.getTime())) fail(`${p}.expires`, 'must be an RFC 3339 date-time (e.g. 2027-06-01T00:00:00Z)');
    }
    return { name: r.name as string, sha256: r.sha256 as string, ...(expires ? { expires } : {}) };
  });
}

function readTokens(path: string): Map<string, ApiTokenEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ApiTokensError(`couldn't read the API tokens file ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw new ApiTokensError(`couldn't read the API tokens file ${path}: not YAML/JSON (${(cause as Error).message.split('\n')[0]})`, { cause });
  }
  return new Map(parseApiTokens(doc, path).map((e) => [e.sha256, e]));
}

const sameFile = (a: Stats | undefined, b: Stats): boolean =>
  a !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/**
 * The tokens of one file. Every lookup first `stat`s the file (a few µs) and re-reads it when it
 * changed (inode, size, mtime or ctime), so an edit or an atomic rename takes effect at the next
 * request. A file that no longer parses keeps the last good tokens (and `onError` says so); a file
 * that was deleted revokes every token (fail closed).
 */
export class ApiTokensStore {
  private tokens: Map<string, ApiTokenEntry>;
  private stat: Stats | undefined;

  /** Reads the file now: a missing or invalid file stops the start. */
  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.stat = statSync(path, { throwIfNoEntry: false });
    this.tokens = readTokens(path);
  }

  get size(): number {
    this.refresh();
    return this.tokens.size;
  }

  /** The entry of a presented token, or why it is refused. */
  lookup(token: string, now: Date): { ok: true; entry: ApiTokenEntry } | { ok: false; why: string } {
    if (!API_TOKEN.test(token)) return { ok: false, why: 'not an API token of this ledger' };
    this.refresh();
    const entry = this.tokens.get(hashApiToken(token));
    if (!entry) return { ok: false, why: 'unknown or revoked API token' };
    if (entry.expires && entry.expires.getTime() <= now.getTime()) return { ok: false, why: `the API token "${entry.name}" expired at ${entry.expires.toISOString()}` };
    return { ok: true, entry };
  }

  private refresh(): void {
    let st: Stats | undefined;
    try {
      st = statSync(this.path, { throwIfNoEntry: false });
    } catch (err) {
      st = undefined;
      this.onError(`couldn't stat the API tokens file ${this.path}: ${(err as Error).message}`);
    }
    if (!st) {
      if (this.stat !== undefined || this.tokens.size > 0) this.onError(`the API tokens file ${this.path} is gone: every API token is refused until it is back`);
      this.stat = undefined;
      this.tokens = new Map();
      return;
    }
    if (sameFile(this.stat, st)) return;
    this.stat = st;
    try {
      this.tokens = readTokens(this.path);
    } catch (err) {
      this.onError(`${(err as Error).message}; keeping the ${this.tokens.size} token(s) read before`);
    }
  }
}
