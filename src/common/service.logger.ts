import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** Nest's start-up chatter (every module and route) is debug detail, not news: shown only at LOG_LEVEL=debug. */
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

export class ServiceLogger extends ConsoleLogger {
  constructor(private readonly showStartup: boolean, levels: LogLevel[]) {
    super();
    this.setLogLevels(levels);
  }

  override log(message: unknown, context?: string): void {
    if (!this.showStartup && context && STARTUP_CONTEXTS.has(context)) return;
    super.log(message, context);
  }
}

const LEVELS: Record<'error' | 'warn' | 'info' | 'debug', LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Nest's levels shown at a LOG_LEVEL. */
export const logLevelsOf = (level: keyof typeof LEVELS): LogLevel[] => LEVELS[level];
