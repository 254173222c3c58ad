import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of a program on PATH (or at an absolute path), or undefined. */
export function which(program: string): string | undefined {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}
