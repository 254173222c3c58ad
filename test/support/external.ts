/**
 * Gate for tests that need an external program (docker-registry, java, a KurrentDB server …).
 *
 * Returns a skip reason for `describe(name, { skip }, …)` when the thing is missing. Under
 * `CI=true` a missing program is a failure, not a skip: it registers a failing test that says
 * what is missing, so CI never passes by skipping.
 *
 * @example
 *   const skip = needExternal('docker-registry', existsSync('/usr/bin/docker-registry'),
 *     'install it with `apt-get install docker-registry`');
 *   describe('registry client', { skip }, () => { … });
 */
import { test } from 'node:test';

export function needExternal(what: string, available: boolean, how: string): string | false {
  if (available) return false;
  const reason = `${what} is not available: ${how}`;
  if (process.env.CI === 'true') {
    test(`required in CI: ${what}`, () => {
      throw new Error(`${reason} (CI=true: missing programs fail instead of skipping)`);
    });
  } else {
    console.log(`# skipping: ${reason}`);
  }
  return reason;
}

/** Like {@link needExternal} for optional services that only run when configured (e.g. KurrentDB). */
export function needConfigured(what: string, value: string | undefined, how: string): string | false {
  if (value) return false;
  const reason = `${what} is not configured: ${how}`;
  console.log(`# skipping: ${reason}`);
  return reason;
}
