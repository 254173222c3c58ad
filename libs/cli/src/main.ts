/**
 * The `scitt` CLI entry point (bin/scitt.js imports this file). No Nest anywhere in libs/cli:
 * this is the verification path, and it stays small.
 */
export { runCli, buildProgram, CLI_VERSION, type RunOptions } from './program.js';
export { ExitCode, CliError, type CliErrorCode } from './cli.errors.js';
