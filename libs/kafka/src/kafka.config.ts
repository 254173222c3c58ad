/**
 * Kafka settings from the environment, validated up front (pure: the caller passes the env).
 *
 * | Variable | Meaning | Default |
 * |---|---|---|
 * | `KAFKA_BROKERS` | comma-separated `host:port` list; empty or unset = publisher disabled | — |
 * | `KAFKA_TOPIC` | topic of the integration events | `scitt-ledger.events` |
 * | `KAFKA_CLIENT_ID` | Kafka client id | `scitt-ledger` |
 * | `KAFKA_SSL` | `true` to use TLS | `false` (`true` when a CA file is given) |
 * | `KAFKA_SSL_CA_FILE` | PEM file of the CA(s) to trust instead of the system roots | — |
 * | `KAFKA_SASL_MECHANISM` | `plain`, `scram-sha-256` or `scram-sha-512` | none |
 * | `KAFKA_SASL_USERNAME` / `KAFKA_SASL_PASSWORD` | SASL credentials (required with a mechanism) | — |
 * | `KAFKA_BATCH_SIZE` | stored events per produce request | `500` |
 */
import { KafkaConfigError } from './kafka.errors.js';

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSettings {
  readonly brokers: string[];
  readonly topic: string;
  readonly clientId: string;
  readonly ssl: boolean;
  readonly sslCaFile?: string;
  readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string };
  readonly batchSize: number;
}

export const DEFAULT_KAFKA_TOPIC = 'scitt-ledger.events';
export const DEFAULT_KAFKA_CLIENT_ID = 'scitt-ledger';
export const DEFAULT_KAFKA_BATCH_SIZE = 500;

const MECHANISMS: readonly KafkaSaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
/** Kafka's own rule for topic names (legal characters, at most 249, not `.` or `..`). */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const CLIENT_ID = /^[a-zA-Z0-9._-]{1,255}$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?)$/;

function parseBroker(s: string): string {
  const i = s.lastIndexOf(':');
  const host = i > 0 ? s.slice(0, i) : '';
  const port = i > 0 ? s.slice(i + 1) : '';
  const n = Number(port);
  if (!HOST.test(host) || !/^\d{1,5}$/.test(port) || n < 1 || n > 65535) {
    throw new KafkaConfigError(`couldn't read KAFKA_BROKERS: ${JSON.stringify(s)} is not host:port`);
  }
  return `${host}:${n}`;
}

function parseBool(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes') return true;
  if (t === 'false' || t === '0' || t === 'no') return false;
  throw new KafkaConfigError(`couldn't read ${name}: ${JSON.stringify(v)} is not true or false`);
}

/**
 * Reads the Kafka settings from `env`. Returns `null` when `KAFKA_BROKERS` is empty or unset
 * (publishing disabled); throws {@link KafkaConfigError} naming the variable when a value is invalid.
 *
 * @example
 * ```ts
 * const kafka = parseKafkaConfig(process.env); // null → no publisher
 * if (kafka) createKafkaPublisher({ ...kafka, logId, store, checkpoints }).start();
 * ```
 */
export function parseKafkaConfig(env: Readonly<Record<string, string | undefined>>): KafkaSettings | null {
  const list = (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) return null;
  const brokers = [...new Set(list.map(parseBroker))];

  const topic = env.KAFKA_TOPIC?.trim() || DEFAULT_KAFKA_TOPIC;
  if (!TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new KafkaConfigError(`couldn't read KAFKA_TOPIC: ${JSON.stringify(topic)} is not a Kafka topic name (1–249 of [a-zA-Z0-9._-], not . or ..)`);
  }
  const clientId = env.KAFKA_CLIENT_ID?.trim() || DEFAULT_KAFKA_CLIENT_ID;
  if (!CLIENT_ID.test(clientId)) throw new KafkaConfigError(`couldn't read KAFKA_CLIENT_ID: ${JSON.stringify(clientId)} must be 1–255 of [a-zA-Z0-9._-]`);

  const sslCaFile = env.KAFKA_SSL_CA_FILE?.trim() || undefined;
  const sslFlag = parseBool('KAFKA_SSL', env.KAFKA_SSL);
  if (sslFlag === false && sslCaFile) throw new KafkaConfigError("couldn't read KAFKA_SSL_CA_FILE: it is set but KAFKA_SSL=false");
  const ssl = sslFlag ?? sslCaFile !== undefined;

  let sasl: KafkaSettings['sasl'];
  const mech = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  const username = env.KAFKA_SASL_USERNAME;
  const password = env.KAFKA_SASL_PASSWORD;
  if (mech) {
    if (!(MECHANISMS as readonly string[]).includes(mech)) {
      throw new KafkaConfigError(`couldn't read KAFKA_SASL_MECHANISM: ${JSON.stringify(mech)} is not one of ${MECHANISMS.join(', ')}`);
    }
    if (!username || !password) throw new KafkaConfigError(`couldn't read the SASL settings: KAFKA_SASL_MECHANISM=${mech} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
    sasl = { mechanism: mech as KafkaSaslMechanism, username, password };
  } else if (username || password) {
    throw new KafkaConfigError("couldn't read the SASL settings: KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not");
  }

  let batchSize = DEFAULT_KAFKA_BATCH_SIZE;
  const bs = env.KAFKA_BATCH_SIZE?.trim();
  if (bs) {
    batchSize = Number(bs);
    if (!/^\d+$/.test(bs) || !Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
      throw new KafkaConfigError(`couldn't read KAFKA_BATCH_SIZE: ${JSON.stringify(bs)} is not an integer in 1–100000`);
    }
  }
  return { brokers, topic, clientId, ssl, ...(sslCaFile ? { sslCaFile } : {}), ...(sasl ? { sasl } : {}), batchSize };
}
