/**
 * A real browser for the explorer's tests: Debian's Chromium (`apt-get install chromium`) driven
 * by playwright-core (no downloaded browsers). `CHROMIUM` overrides the path. Launched headless
 * with a fresh profile and everything that would reach the internet turned off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { which } from './which.js';

/** The Chromium binary, or undefined when it is not installed. */
export function chromiumPath(): string | undefined {
  return which(process.env.CHROMIUM ?? '/usr/bin/chromium') ?? which('chromium');
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh `--user-data-dir` (a persistent context on a temporary
 * directory, deleted on close).
 */
export async function launchChromium(o: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark'; deviceScaleFactor?: number } = {}): Promise<TestBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("couldn't launch chromium: not installed (apt-get install chromium)");
  const profile = mkdtempSync(join(tmpdir(), 'scitt-explorer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: o.viewport ?? { width: 1280, height: 900 },
    colorScheme: o.colorScheme ?? 'light',
    deviceScaleFactor: o.deviceScaleFactor ?? 1,
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
