/** The publisher without a reachable broker (runs anywhere): configuration errors, and "broker down from the start". */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryEventStore } from '../../event-store/src/memory.event-store.js';
import { createMemoryCheckpointStore } from '../../event-store/src/checkpoint.store.js';
import type { ExpectedRevision } from '../../event-store/src/event-store.port.js';
import { logStream } from '../../ledger/src/events.js';
import { freePort } from '../../../test/support/ports.js';
import { createKafkaPublisher } from './kafka.publisher.js';
import { kafkaClientConfig, kafkaConnectionOptions, quietLogCreator, type KafkaLogEntry } from './kafka.client.js';
import { parseKafkaConfig } from './kafka.config.js';
import { KafkaConfigError } from './kafka.errors.js';
import { entryRegistered, newEvent } from '../test/ledger-events.fixture.js';

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('createKafkaPublisher without a broker', () => {
  it('refuses to be created without brokers (disabled means: not created)', () => {
    const store = createMemoryEventStore();
    assert.throws(
      () => createKafkaPublisher({ brokers: [], topic: 't', logId: 'main', store, checkpoints: createMemoryCheckpointStore() }),
      (e: unknown) => e instanceof KafkaConfigError && e.code === 'ERR_KAFKA_CONFIG',
    );
  });

  it('keeps the log writable, shows the error and the lag, and saves no checkpoint while the broker is unreachable', async () => {
    const port = await freePort(); // nothing listens there
    const store = createMemoryEventStore();
    const checkpoints = createMemoryCheckpointStore();
    const errors: unknown[] = [];
    const p = createKafkaPublisher({
      brokers: [`127.0.0.1:${port}`],
      topic: 'never',
      logId: 'main',
      store,
      checkpoints,
      lagIntervalMs: 20,
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      kafka: { retry: { retries: 0 }, connectionTimeout: 200 },
      onError: (e) => errors.push(e),
      now: () => new Date('2026-03-04T05:06:07Z'),
    });
    p.start();
    let expected: ExpectedRevision = 'no_stream';
    for (let i = 0; i < 25; i++) expected = (await store.append(logStream('main'), [newEvent(entryRegistered(i))], expected)).nextExpectedRevision;
    await until(() => p.status().lastError !== undefined && p.status().lag === 25, 10_000, 'the error and lag 25 in status()');
    const st = p.status();
    assert.equal(st.running, true);
    assert.equal(st.published, 0);
    assert.equal(st.lastError?.code, 'ERR_KAFKA_PUBLISH');
    assert.equal(st.lastError?.at, '2026-03-04T05:06:07.000Z');
    assert.match(st.lastError!.message, /^couldn't publish \d+ events to never: /);
    assert.ok(st.failures >= 1 && errors.length >= 1);
    assert.equal(await checkpoints.load('kafka:never:main'), undefined, 'no checkpoint without an acknowledgement');
    const t0 = Date.now();
    await p.stop();
    assert.ok(Date.now() - t0 < 5_000, 'stop does not wait for the broker');
    assert.equal(p.status().running, false);
    assert.throws(() => p.start(), /started before/);
  });
});

describe('kafka client options', () => {
  it('routes kafkajs logs to the given logger (WARN and up) or nowhere', () => {
    const seen: KafkaLogEntry[] = [];
    const { logLevel, logCreator } = quietLogCreator((e) => seen.push(e));
    assert.equal(logLevel, 2 /* WARN */);
    logCreator(logLevel)({ namespace: 'Connection', level: 1, label: 'ERROR', log: { timestamp: 'x', logger: 'kafkajs', message: 'boom', broker: 'b:1' } });
    assert.deepEqual(seen, [{ level: 'error', namespace: 'Connection', message: 'boom', extra: { broker: 'b:1' } }]);
    assert.equal(quietLogCreator().logLevel, 0 /* NOTHING */);
  });

  it('turns env settings into kafkajs options, reading the CA file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-ca-'));
    try {
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const s = parseKafkaConfig({ KAFKA_BROKERS: 'k:9093', KAFKA_SSL_CA_FILE: ca, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })!;
      const o = kafkaConnectionOptions(s);
      assert.deepEqual(o, { brokers: ['k:9093'], clientId: 'scitt-ledger', ssl: { ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'] }, sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
      const c = kafkaClientConfig(o, undefined);
      assert.equal(c.clientId, 'scitt-ledger');
      assert.deepEqual(c.sasl, o.sasl);
      assert.throws(() => kafkaConnectionOptions({ ...s, sslCaFile: join(dir, 'missing.pem') }), (e: unknown) => e instanceof KafkaConfigError && /KAFKA_SSL_CA_FILE/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
