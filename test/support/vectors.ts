import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

/**
 * The reference vectors the standards suites read: `test/vectors/` in the repository (each folder's
 * README names its source, commit and licence). Resolved from the compiled file
 * (`dist/test/support/vectors.js`) to the repository root.
 */
export const VECTORS_DIR = join(new URL('../../..', import.meta.url).pathname, 'test', 'vectors');

/**
 * Gate for a vector suite: `describe(name, { skip: vectorsSkip('rfc9162/inclusion') }, …)`.
 *
 * Returns false when `test/vectors/<sub>` exists. Otherwise it returns the skip reason, and under
 * `CI=true` it also registers a failing test that names the missing folder, so CI never passes by
 * running fewer vectors (like {@link needExternal} in `external.ts` does for programs).
 */
export function vectorsSkip(sub: string): string | false {
  const dir = join(VECTORS_DIR, sub);
  if (existsSync(dir)) return false;
  const reason = `reference vectors not found at ${dir} (they ship in the repository under test/vectors/)`;
  if (process.env.CI === 'true') {
    test(`required in CI: vectors ${sub}`, () => {
      throw new Error(`${reason} (CI=true: missing vectors fail instead of skipping)`);
    });
  } else {
    console.log(`# skipping: ${reason}`);
  }
  return reason;
}
