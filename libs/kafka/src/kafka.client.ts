/** kafkajs client settings: the env settings turned into kafkajs options, and a quiet logger. */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { logLevel, type KafkaConfig, type logCreator, type SASLOptions } from 'kafkajs';
import type { KafkaSettings } from './kafka.config.js';
import { KafkaConfigError } from './kafka.errors.js';

/** One kafkajs log line, as handed to a {@link KafkaLogger}. */
export interface KafkaLogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  /** kafkajs component, e.g. `Connection`, `Producer` */
  readonly namespace: string;
  readonly message: string;
  readonly extra: Readonly<Record<string, unknown>>;
}
export type KafkaLogger = (entry: KafkaLogEntry) => void;

const LEVELS: Record<number, KafkaLogEntry['level']> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs logging routed to `logger` (WARN and above), or silenced when there is none. kafkajs logs
 * every retried request at ERROR; the publisher reports what matters itself (status().lastError).
 */
export function quietLogCreator(logger?: KafkaLogger): { logLevel: logLevel; logCreator: logCreator } {
  return {
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (e) => {
      if (!logger) return;
      const { message, timestamp: _t, logger: _l, ...extra } = e.log as { message: string; [k: string]: unknown };
      logger({ level: LEVELS[e.level] ?? 'info', namespace: e.namespace, message, extra });
    },
  };
}

/** The connection part of kafkajs' client config: brokers, client id, TLS and SASL. */
export interface KafkaConnectionOptions {
  readonly brokers: string[];
  readonly clientId?: string;
  /** `true` for TLS with the system CAs, or Node TLS options (CA, client certificate …). */
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
}

/**
 * Turns validated env settings ({@link parseKafkaConfig}) into kafkajs connection options; reads
 * the CA file when one is configured (throws {@link KafkaConfigError} when it cannot be read).
 *
 * @example
 * ```ts
 * const settings = parseKafkaConfig(process.env);
 * if (settings) createKafkaPublisher({ ...kafkaConnectionOptions(settings), topic: settings.topic, logId, store, checkpoints });
 * ```
 */
export function kafkaConnectionOptions(s: KafkaSettings): KafkaConnectionOptions {
  let ssl: boolean | ConnectionOptions = s.ssl;
  if (s.sslCaFile) {
    try {
      ssl = { ca: [readFileSync(s.sslCaFile, 'utf8')] };
    } catch (cause) {
      throw new KafkaConfigError(`couldn't read KAFKA_SSL_CA_FILE ${s.sslCaFile}: ${(cause as Error).message}`, { cause });
    }
  }
  return { brokers: s.brokers, clientId: s.clientId, ssl, ...(s.sasl ? { sasl: s.sasl as SASLOptions } : {}) };
}

/** The kafkajs client config for the publisher: bounded timeouts and retries (the processor retries batches itself). */
export function kafkaClientConfig(c: KafkaConnectionOptions, logger: KafkaLogger | undefined, extra: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    brokers: c.brokers,
    clientId: c.clientId ?? 'scitt-ledger',
    ...(c.ssl !== undefined ? { ssl: c.ssl } : {}),
    ...(c.sasl ? { sasl: c.sasl } : {}),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
    ...quietLogCreator(logger),
    ...extra,
  };
}
