/**
 * The context every command runs with: the printer, the environment, the clock, and helpers to
 * read common options. Commands get it from {@link contextOf}, never from globals.
 */
import type { Command } from 'commander';
import { usage } from './cli.errors.js';
import { Output, type CliStreams, type OutputFormat } from './cli.output.js';

export interface CliContext {
  out: Output;
  env: Readonly<Record<string, string | undefined>>;
  /** The clock (wall time: certificate validity, `iat`, state files). */
  now: () => Date;
  debug: boolean;
}

/** Global options (declared on the root program). */
export interface GlobalOptions {
  output?: string;
  debug?: boolean;
  progress?: boolean;
  verbose?: boolean;
}

/** Builds the context from the root program's options. */
export function contextOf(cmd: Command, streams: CliStreams, env: CliContext['env'], now: () => Date): CliContext {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const format = (g.output ?? 'text') as OutputFormat;
  if (format !== 'text' && format !== 'json') throw usage(`couldn't use -o ${JSON.stringify(g.output)}: choose text or json`);
  const progress = g.progress ?? (Boolean(streams.stderr.isTTY) && format === 'text');
  return { out: new Output(streams, { format, progress, verbose: Boolean(g.verbose) }), env, now, debug: Boolean(g.debug) };
}

/**
 * Parses a duration: `500ms`, `30s`, `2m`, `1h`, or a number of seconds.
 * @example parseDuration('2m') // 120000
 */
export function parseDuration(s: string, what = 'duration'): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw usage(`couldn't read ${what} ${JSON.stringify(s)}: use e.g. 500ms, 30s, 2m`);
  const n = Number(m[1]);
  const ms = n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (!Number.isSafeInteger(Math.round(ms))) throw usage(`couldn't read ${what} ${JSON.stringify(s)}: too large`);
  return Math.round(ms);
}

/** A ledger base URL from `--ledger` or `SCITT_LEDGER`, checked (http/https, no query). */
export function ledgerUrl(value: string | undefined, env: CliContext['env']): string {
  const raw = value ?? env.SCITT_LEDGER;
  if (!raw) throw usage("couldn't find the ledger: give --ledger <url> or set SCITT_LEDGER");
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw usage(`couldn't use ledger ${JSON.stringify(raw)}: not a URL (want e.g. https://ledger.example)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usage(`couldn't use ledger ${raw}: the URL must be http or https`);
  if (u.search || u.hash) throw usage(`couldn't use ledger ${raw}: give the base URL, without query or fragment`);
  return u.toString().replace(/\/+$/, '');
}

/** Collects a repeatable option into an array (commander helper). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * The bearer credential for a ledger: `--token` or `SCITT_TOKEN` (prefer the variable: a command
 * line is visible to other users in `ps`). It is only sent over https, or http to a loopback address.
 */
export function ledgerToken(value: string | undefined, env: CliContext['env'], ledger: string): string | undefined {
  const token = (value ?? env.SCITT_TOKEN)?.trim();
  if (!token) return undefined;
  if (/\s/.test(token) || token.length > 8192) throw usage("couldn't use the token: it must be one word of at most 8192 characters");
  const u = new URL(ledger);
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
  if (u.protocol !== 'https:' && !loopback) throw usage(`couldn't send the token to ${ledger}: over plain http it could be read on the way; use https`);
  return token;
}
