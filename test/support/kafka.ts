/**
 * A real Kafka broker for tests: `scripts/kafka-local.sh` (single-node KRaft, jars from Maven
 * Central cached under .cache/kafka) started in a temporary directory on free loopback ports.
 *
 * @example
 *   const skip = kafkaSkip();
 *   describe('publisher', { skip }, () => {
 *     let kafka: LocalKafka;
 *     before(async () => { kafka = await startLocalKafka(); });
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

/** Skip reason when Java (and Maven, unless the jars are cached) are missing; a failure under CI=true. */
export function kafkaSkip(): string | false {
  const cached = existsSync(join(ROOT, '.cache', 'kafka', process.env.KAFKA_LOCAL_VERSION ?? '3.9.2', 'lib', '.complete'));
  return needExternal(
    'a local Kafka broker (java 17+, and mvn to fetch the jars)',
    which('java') !== undefined && (cached || which('mvn') !== undefined),
    'install openjdk-17-jre-headless and maven, then run `scripts/kafka-local.sh fetch`',
  );
}

function run(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(KAFKA_LOCAL_SCRIPT, args, { timeout: timeoutMs, cwd: ROOT }, (err, stdout, stderr) => {
      if (err) reject(new Error(`couldn't run kafka-local.sh ${args[0]}: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve(stdout.trim());
    });
  });
}

export interface LocalKafka {
  /** bootstrap addresses, e.g. ['127.0.0.1:40123'] */
  readonly brokers: string[];
  readonly dir: string;
  /** Stops the broker (its data stays: `start()` brings the same broker back on the same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
}

/** Starts a fresh broker in a temporary directory (one JVM: start one per test file, in `before`). */
export async function startLocalKafka(): Promise<LocalKafka> {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-kafka-'));
  const port = await freePort();
  let controller = await freePort();
  while (controller === port) controller = await freePort();
  const out = await run(['start', '--dir', dir, '--port', String(port), '--controller-port', String(controller)], 180_000);
  const brokers = [out.split('\n').pop()!];
  return {
    brokers,
    dir,
    stop: async () => void (await run(['stop', '--dir', dir], 60_000)),
    start: async () => void (await run(['start', '--dir', dir], 120_000)),
    destroy: async () => {
      await run(['stop', '--dir', dir], 60_000).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
