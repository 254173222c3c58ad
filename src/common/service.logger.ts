/**
 * The service's log: pino behind Nest's LoggerService, so every `new Logger('context')` in the code
 * writes structured lines. JSON lines when stdout is not a terminal (what log shippers read), pretty
 * lines on a terminal (pino-pretty); LOG_FORMAT=json|pretty overrides, LOG_LEVEL picks the level.
 * Lines about a request carry its id as `reqId` (request-context.ts): pass `{ msg, reqId }` as the message.
 *
 * What is never logged: statement, receipt or entry bytes, request bodies, and request headers
 * (Authorization, cookies, tokens) — the request log line has method, route, status and duration.
 */
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger as Pino, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';
export type LogLevelName = 'error' | 'warn' | 'info' | 'debug';

/** Nest's start-up chatter (every module and route) is debug detail, not news. */
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** LOG_FORMAT (validated in infrastructure/config.ts): `auto` is pretty on a terminal, JSON otherwise. */
export function logFormatOf(format: LogFormat | 'auto', isTty = Boolean(process.stdout.isTTY)): LogFormat {
  return format === 'auto' ? (isTty ? 'pretty' : 'json') : format;
}

/**
 * A pino logger writing to stdout (fd 1, synchronously: a line written before a crash is not lost;
 * the hot path writes no lines at the default level). `base` fields go on every line.
 */
export function createPino(level: LogLevelName, format: LogFormat, base: Record<string, unknown> = {}): Pino {
  const options = { level, base: { pid: process.pid, ...base }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty') return pino(options, pretty({ sync: true, destination: 1, ignore: 'pid,hostname,context', messageFormat: '{if context}[{context}] {end}{msg}', translateTime: 'SYS:HH:MM:ss.l' }));
  // JSON: the level as its name ("level":"warn"), which log shippers read without a mapping
  return pino({ ...options, formatters: { level: (label: string) => ({ level: label }) } }, pino.destination({ dest: 1, sync: true }));
}

/** Nest's LoggerService on pino: `context` becomes a field; an object message's fields become fields. */
export class ServiceLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (context && STARTUP_CONTEXTS.has(context) && !this.pino.isLevelEnabled('debug')) return;
    this.write('info', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    // Nest calls error(message, stack?, context?)
    const context = contextOf(rest);
    const stack = rest.length >= 2 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.write('error', message, context, stack);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, contextOf(rest));
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, contextOf(rest));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, contextOf(rest));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, contextOf(rest));
  }

  private write(level: Exclude<LevelWithSilent, 'silent'>, message: unknown, context: string | undefined, stack?: string): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...(message as object) });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}

/** Nest passes the context as the last optional parameter. */
const contextOf = (rest: unknown[]): string | undefined => {
  const last = rest[rest.length - 1];
  return typeof last === 'string' ? last : undefined;
};

/** The logger of a thread of the service (the HTTP thread, the processors' thread). */
export function serviceLogger(level: LogLevelName, format: LogFormat | 'auto', base: Record<string, unknown> = {}): ServiceLogger {
  return new ServiceLogger(createPino(level, logFormatOf(format), base));
}
