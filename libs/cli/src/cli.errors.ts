/**
 * Exit codes and the one error type every command throws. `main.ts` turns any error into one
 * line on stderr and an exit code; the stack is printed only with `--debug`.
 */
import { CoseError } from '../../cose/src/index.js';
import { OciError, RegistryError } from '../../oci/src/index.js';
import { ReceiptError } from '../../receipt/src/index.js';

/** Process exit codes (docs/cli.md). */
export const ExitCode = {
  /** Success: everything verified, the policy is met, the command did its work. */
  Ok: 0,
  /** Verification or policy failure: a signature, proof, receipt, audit check or `--require` failed. */
  VerifyFailed: 1,
  /** Usage error: bad arguments, unreadable or malformed input files. */
  Usage: 2,
  /** Network or service error: a ledger or registry unreachable, an unexpected HTTP answer, a timeout. */
  Service: 3,
  /** Internal error: a bug in scitt (please report it with the `--debug` output). */
  Internal: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes of the CLI. */
export type CliErrorCode =
  | 'ERR_CLI_USAGE'
  | 'ERR_CLI_INPUT'
  | 'ERR_CLI_SERVICE'
  | 'ERR_CLI_TIMEOUT'
  | 'ERR_CLI_VERIFY'
  | 'ERR_CLI_POLICY'
  | 'ERR_CLI_AUDIT'
  | 'ERR_CLI_INTERNAL';

const EXIT_OF: Record<CliErrorCode, ExitCodeValue> = {
  ERR_CLI_USAGE: ExitCode.Usage,
  ERR_CLI_INPUT: ExitCode.Usage,
  ERR_CLI_SERVICE: ExitCode.Service,
  ERR_CLI_TIMEOUT: ExitCode.Service,
  ERR_CLI_VERIFY: ExitCode.VerifyFailed,
  ERR_CLI_POLICY: ExitCode.VerifyFailed,
  ERR_CLI_AUDIT: ExitCode.VerifyFailed,
  ERR_CLI_INTERNAL: ExitCode.Internal,
};

/** An error a command reports to the user: a one-line message, a stable code, an exit code. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: ExitCodeValue;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = EXIT_OF[code];
  }
}

/** `couldn't <what>: <why>` as a usage error. */
export const usage = (message: string, cause?: unknown): CliError => new CliError('ERR_CLI_USAGE', message, cause === undefined ? undefined : { cause });
/** A bad input file. */
export const badInput = (message: string, cause?: unknown): CliError => new CliError('ERR_CLI_INPUT', message, cause === undefined ? undefined : { cause });
/** A service (ledger, registry) problem. */
export const serviceError = (message: string, cause?: unknown): CliError => new CliError('ERR_CLI_SERVICE', message, cause === undefined ? undefined : { cause });

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** The deepest `cause` that says something about the network (undici wraps the socket error). */
function networkCause(e: unknown): string | undefined {
  for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return `${code}${(c as Error).message ? ` (${(c as Error).message})` : ''}`;
    if (c instanceof Error && c.name === 'TimeoutError') return 'timed out';
  }
  return undefined;
}

/**
 * Maps any error to a {@link CliError} with the right exit code: library errors keep their
 * message; network failures become service errors; anything unknown is internal.
 */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof RegistryError) return new CliError('ERR_CLI_SERVICE', e.message, { cause: e });
  if (e instanceof OciError) {
    const code = e.code === 'ERR_OCI_REFERENCE_INVALID' || e.code === 'ERR_OCI_CREDENTIALS_INVALID' ? 'ERR_CLI_USAGE' : e.code === 'ERR_OCI_DIGEST_MISMATCH' ? 'ERR_CLI_VERIFY' : 'ERR_CLI_SERVICE';
    return new CliError(code, e.message, { cause: e });
  }
  if (e instanceof ReceiptError || e instanceof CoseError) return new CliError('ERR_CLI_VERIFY', e.message, { cause: e });
  const net = networkCause(e);
  if (net) return new CliError('ERR_CLI_SERVICE', `couldn't reach the service: ${net}`, { cause: e });
  const fsCode = (e as NodeJS.ErrnoException)?.code;
  if (typeof fsCode === 'string' && /^E[A-Z]+$/.test(fsCode) && (e as NodeJS.ErrnoException).syscall) {
    return new CliError('ERR_CLI_INPUT', `couldn't ${(e as NodeJS.ErrnoException).syscall} ${(e as NodeJS.ErrnoException).path ?? ''}: ${fsCode}`.replace(/ +:/, ':'), { cause: e });
  }
  return new CliError('ERR_CLI_INTERNAL', `internal error: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}
