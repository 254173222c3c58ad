/**
 * A real Kafka broker for tests: `scripts/kafka-local.sh` (single-node KRaft, jars from Maven
 * Central cached under .cache/kafka) started in a temporary directory on free loopback ports.
 *
 * @example
 *   for (const version of kafkaVersions()) describe(`publisher (Kafka ${version})`, { skip: kafkaSkip(version) }, () => {
 *     let kafka: LocalKafka;
 *     before(async () => { kafka = await startLocalKafka(version); });
 *     after(() => kafka?.destroy());
 *   });
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needExternal } from './external.js';
import { freePort } from './ports.js';
import { which } from './which.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
export const KAFKA_LOCAL_SCRIPT = join(ROOT, 'scripts', 'kafka-local.sh');

/** The broker versions the Kafka tests run against when KAFKA_TEST_VERSIONS is unset: the 3.9 line and the current 4.x release. */
export const DEFAULT_KAFKA_TEST_VERSIONS = '3.9.2,4.1.1';

/**
 * The Kafka versions to test against: KAFKA_TEST_VERSIONS (comma-separated, e.g. `3.9.2,4.1.1`),
 * default {@link DEFAULT_KAFKA_TEST_VERSIONS}. Every Kafka test file runs its suite once per version,
 * each against its own broker of that version (`scripts/kafka-local.sh` with KAFKA_LOCAL_VERSION).
 */
export function kafkaVersions(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const raw = env.KAFKA_TEST_VERSIONS || DEFAULT_KAFKA_TEST_VERSIONS;
  const versions = raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  for (const v of versions) if (!/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`KAFKA_TEST_VERSIONS=${JSON.stringify(raw)} is not valid: ${JSON.stringify(v)} is not a Kafka version like 4.1.1`);
  if (versions.length === 0) throw new Error(`KAFKA_TEST_VERSIONS=${JSON.stringify(raw)} names no version`);
  return [...new Set(versions)];
}

/** Skip reason when Java (and Maven, unless the jars of `version` are cached) are missing; a failure under CI=true. */
export function kafkaSkip(version = process.env.KAFKA_LOCAL_VERSION ?? '3.9.2'): string | false {
  const cached = existsSync(join(ROOT, '.cache', 'kafka', version, 'lib', '.complete'));
  return needExternal(
    'a local Kafka broker (java 17+, and mvn to fetch the jars)',
    which('java') !== undefined && (cached || which('mvn') !== undefined),
    'install openjdk-17-jre-headless and maven, then run `scripts/kafka-local.sh fetch`',
  );
}

function run(args: string[], timeoutMs: number, version: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(KAFKA_LOCAL_SCRIPT, args, { timeout: timeoutMs, cwd: ROOT, env: { ...process.env, KAFKA_LOCAL_VERSION: version } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`couldn't run kafka-local.sh ${args[0]}: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve(stdout.trim());
    });
  });
}

export interface LocalKafka {
  /** bootstrap addresses, e.g. ['127.0.0.1:40123'] */
  readonly brokers: string[];
  readonly dir: string;
  /** the broker's Kafka version */
  readonly version: string;
  /** Stops the broker (its data stays: `start()` brings the same broker back on the same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
}

/** Starts a fresh broker of `version` in a temporary directory (one JVM: start one per suite, in `before`). */
export async function startLocalKafka(version = process.env.KAFKA_LOCAL_VERSION ?? '3.9.2'): Promise<LocalKafka> {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-kafka-'));
  const port = await freePort();
  let controller = await freePort();
  while (controller === port) controller = await freePort();
  const out = await run(['start', '--dir', dir, '--port', String(port), '--controller-port', String(controller)], 180_000, version);
  const brokers = [out.split('\n').pop()!];
  return {
    brokers,
    dir,
    version,
    stop: async () => void (await run(['stop', '--dir', dir], 60_000, version)),
    start: async () => void (await run(['start', '--dir', dir], 120_000, version)),
    destroy: async () => {
      await run(['stop', '--dir', dir], 60_000, version).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
