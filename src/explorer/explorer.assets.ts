/**
 * The explorer's static files (built by `npm run build` into dist/web/explorer, see
 * web/build.mjs), read once into memory: a handful of small files, served by name only — no path
 * ever reaches the file system, so there is nothing to traverse.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ExplorerAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where `npm run build` puts the bundle, relative to this compiled file (dist/src/explorer). */
export const DEFAULT_EXPLORER_DIR = fileURLToPath(new URL('../../web/explorer/', import.meta.url));

/**
 * Every file of `dir` with a known type, by name; `null` when the explorer was not built.
 * Subdirectories and unknown extensions are left out.
 */
export function loadExplorerAssets(dir = DEFAULT_EXPLORER_DIR): ReadonlyMap<string, ExplorerAsset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, ExplorerAsset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    const path = join(dir, name);
    if (!type || !statSync(path).isFile()) continue;
    const body = readFileSync(path);
    assets.set(name, { body, contentType: type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return assets;
}

/**
 * The page's Content-Security-Policy: everything from this origin only, nothing inline, no
 * frames, no forms, no plugins. `connect-src 'self'` keeps the page from talking to any other
 * host, so nothing it shows can come from (or leak to) elsewhere. No `data:` or `blob:` sources
 * (downloads are navigations to blob URLs, which CSP does not govern).
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
