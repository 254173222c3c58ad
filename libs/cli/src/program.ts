/**
 * The `scitt` command tree (commander): global options, every command, and the error policy —
 * any failure is one line on stderr and an exit code from {@link ExitCode}.
 */
import { Command, CommanderError, Option } from 'commander';
import { contextOf, type CliContext } from './cli.context.js';
import { ExitCode, toCliError } from './cli.errors.js';
import type { CliStreams } from './cli.output.js';
import { registerKeyCommands } from './key.commands.js';
import { registerRegisterCommands } from './register.commands.js';
import { registerSignCommands } from './sign.commands.js';
import { registerAuditCommand } from './audit.command.js';
import { registerClaimsCommands } from './claims.command.js';
import { registerCopyCommand } from './copy.command.js';
import { registerSyncCommand } from './sync.command.js';
import { registerPushCommand } from './push.command.js';
import { registerTokenCommands } from './token.command.js';
import { registerTrustCommands } from './trust.commands.js';
import { registerVerifyCommands } from './verify.commands.js';

/** Version printed by `scitt --version`. */
export const CLI_VERSION = '0.1.0';

/** How {@link runCli} runs: streams, environment, clock (all replaceable in tests). */
export interface RunOptions {
  streams?: CliStreams;
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
}

/** A command group: adds its commands to the program. */
export type CommandRegistrar = (program: Command, ctx: (cmd: Command) => CliContext) => void;
const registrars: readonly CommandRegistrar[] = [registerKeyCommands, registerSignCommands, registerRegisterCommands, registerTrustCommands, registerVerifyCommands, registerCopyCommand, registerSyncCommand, registerPushCommand, registerAuditCommand, registerTokenCommands, registerClaimsCommands];

/** Builds the command tree. */
export function buildProgram(streams: CliStreams, env: RunOptions['env'] = {}, now: () => Date = () => new Date()): Command {
  const program = new Command('scitt')
    .description('SCITT for OCI supply chains: sign claims, register them in a ledger, verify them offline, copy collections with their receipts, audit ledgers')
    .version(CLI_VERSION)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--progress', 'show progress on stderr (default: only when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .option('-v, --verbose', 'explain what is checked (stderr)')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'scitt: ')),
    });
  const ctx = (cmd: Command): CliContext => contextOf(cmd, streams, env ?? {}, now);
  for (const r of registrars) r(program, ctx);
  // Every subcommand inherits the error policy and output settings.
  const walk = (c: Command): void => {
    for (const sub of c.commands) {
      sub.exitOverride().showHelpAfterError('(run with --help for usage)').configureOutput(program.configureOutput());
      walk(sub);
    }
  };
  walk(program);
  return program;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves the exit code.
 * @example
 *   process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], o: RunOptions = {}): Promise<number> {
  const streams: CliStreams = o.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const env = o.env ?? process.env;
  const debug = argv.includes('--debug');
  const program = buildProgram(streams, env, o.now);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version "errors" are successes; the message was already printed by commander
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.Ok;
      if (e.code === 'commander.executeSubCommandAsync') return ExitCode.Ok;
      return ExitCode.Usage;
    }
    const err = toCliError(e);
    streams.stderr.write(`scitt: ${err.message}\n`);
    if (debug) streams.stderr.write(`${(e as Error)?.stack ?? String(e)}\n${causeChain(e)}`);
    else if (err.code === 'ERR_CLI_INTERNAL') streams.stderr.write('(run with --debug for details)\n');
    return err.exitCode;
  }
}

function causeChain(e: unknown): string {
  let out = '';
  for (let c = (e as { cause?: unknown })?.cause, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
    out += `caused by: ${(c as Error)?.stack ?? String(c)}\n`;
  }
  return out;
}
