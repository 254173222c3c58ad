import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The shared reference vectors live in `../shared/vectors` beside the repo (developer machines
 * and CI). A user's clone does not have them: tests that read them skip with this reason.
 */
export const VECTORS_DIR = join(new URL('../../..', import.meta.url).pathname, '..', 'shared', 'vectors');

export function vectorsSkip(sub: string): string | false {
  const dir = join(VECTORS_DIR, sub);
  if (existsSync(dir)) return false;
  const reason = `reference vectors not found at ${dir} (they sit in ../shared/vectors on developer machines and in CI)`;
  console.log(`# skipping: ${reason}`);
  return reason;
}
