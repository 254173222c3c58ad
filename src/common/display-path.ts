import { basename, isAbsolute, relative, sep } from 'node:path';

/**
 * A file system path as the HTTP API may show it: relative to the data directory
 * (`DATA_DIR/oci-layout`), or only its last component when it lies elsewhere — never the
 * absolute path, which tells an attacker about the host (user names, mount points).
 */
export function displayPath(path: string, dataDir: string): string {
  const rel = relative(dataDir, path);
  if (rel === '') return 'DATA_DIR';
  if (!rel.startsWith('..') && !isAbsolute(rel)) return `DATA_DIR/${rel.split(sep).join('/')}`;
  return `…/${basename(path)}`;
}
