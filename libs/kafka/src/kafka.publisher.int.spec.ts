import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka } from 'kafkajs';
import { createMemoryEventStore } from '../../event-store/src/memory.event-store.js';
import { createMemoryCheckpointStore, type CheckpointStore } from '../../event-store/src/checkpoint.store.js';
import type { EventStore, ExpectedRevision, NewEvent } from '../../event-store/src/event-store.port.js';
import { encodeEventData, logStream } from '../../ledger/src/events.js';
import { kafkaSkip, kafkaVersions, startLocalKafka, type LocalKafka } from '../../../test/support/kafka.js';
import { createKafkaPublisher, type KafkaPublisher, type KafkaPublisherOptions } from './kafka.publisher.js';
import { quietLogCreator } from './kafka.client.js';
import { IntegrationEventType } from './integration-event.schemas.js';
import { checkpointSigned, entryRegistered, newEvent, revocation } from '../test/ledger-events.fixture.js';
import { collect, type Collector, type Received } from '../test/kafka-consumer.collector.js';

const LOG = 'main';

/** Appends to `log-<logId>` with the expected revision, like the sequencer. */
class LogWriter {
  #expected: ExpectedRevision = 'no_stream';
  constructor(
    readonly store: EventStore,
    readonly logId = LOG,
  ) {}
  async append(events: NewEvent[]): Promise<void> {
    const r = await this.store.append(logStream(this.logId), events, this.#expected);
    this.#expected = r.nextExpectedRevision;
  }
}

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ids = (rs: Received[]): string[] => rs.map((r) => r.headers.ce_id!);
/** First occurrences in arrival order; asserts that every repeat is byte-identical to the first copy. */
function dedupe(rs: Received[]): { unique: string[]; duplicates: number } {
  const first = new Map<string, Received>();
  let duplicates = 0;
  for (const r of rs) {
    const id = r.headers.ce_id!;
    const seen = first.get(id);
    if (!seen) first.set(id, r);
    else {
      duplicates++;
      assert.equal(r.value, seen.value, `duplicate ${id} carries other data`);
      assert.deepEqual(r.headers, seen.headers, `duplicate ${id} carries other headers`);
    }
  }
  return { unique: [...first.keys()], duplicates };
}

for (const version of kafkaVersions()) describe(`Kafka publisher against a real broker (Kafka ${version}, KRaft)`, { skip: kafkaSkip(version), timeout: 300_000 }, () => {
  let kafka: LocalKafka;
  let topicNo = 0;
  const running: { stop(): Promise<void> }[] = [];

  before(async () => {
    kafka = await startLocalKafka(version);
  });
  // Each test stops its publishers and consumers: a kafkajs consumer left running while a later
  // test stops the broker keeps reconnecting (even after disconnect) and the file never exits.
  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop().catch(() => undefined);
  });
  after(async () => {
    await kafka?.destroy();
  });

  async function newTopic(): Promise<string> {
    const topic = `scitt.test-${process.pid}-${++topicNo}`;
    const admin = new Kafka({ brokers: kafka.brokers, ...quietLogCreator() }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    return topic;
  }
  function publisher(o: Omit<KafkaPublisherOptions, 'brokers' | 'logId'>): KafkaPublisher {
    const p = createKafkaPublisher({ brokers: kafka.brokers, logId: LOG, retry: { initialDelayMs: 100, maxDelayMs: 1_000 }, lagIntervalMs: 100, ...o });
    running.push(p);
    return p;
  }
  async function reader(topic: string, group: string): Promise<Collector> {
    const c = await collect(kafka.brokers, topic, group);
    running.push(c);
    return c;
  }

  it('publishes entries, revocations and checkpoints in log order, as valid CloudEvents keyed by log id', async () => {
    const topic = await newTopic();
    const store = createMemoryEventStore();
    const log = new LogWriter(store);
    const entries = Array.from({ length: 10 }, (_, i) => entryRegistered(i));
    await log.append([...entries.map(newEvent), newEvent(checkpointSigned(10))]);
    const rev = revocation(10, [entries[1]!.entryId, entries[3]!.entryId]);
    await log.append([newEvent(rev), newEvent(checkpointSigned(11))]);
    // a service event of the log and another log's entry: neither is published
    await log.append([{ type: 'PolicyChanged', data: encodeEventData({ type: 'PolicyChanged', digest: 'ab', policy: '{}', changedAt: '2026-01-01T00:00:00Z' }), contentType: 'application/json' }]);
    await new LogWriter(store, 'other').append([newEvent(entryRegistered(0))]);

    // small requests: every batch is split into several produce requests, which must keep the order
    const p = publisher({ topic, store, checkpoints: createMemoryCheckpointStore(), batchSize: 4, maxRequestBytes: 1_500 });
    const c = await reader(topic, 'order');
    p.start();
    const expected = [
      ...entries.map((_, i) => `main:entry:${i}`),
      'main:checkpoint:10',
      'main:entry:10',
      `main:revocation:10:${entries[1]!.entryId}`,
      `main:revocation:10:${entries[3]!.entryId}`,
      'main:checkpoint:11',
    ];
    await c.waitFor((rs) => rs.length >= expected.length, 30_000, `${expected.length} records`);
    await until(() => p.status().lag === 0, 10_000, 'lag 0');
    assert.deepEqual(ids(c.records), expected);
    assert.deepEqual(c.invalid, []);
    assert.ok(c.records.every((r) => r.key === LOG && r.partition === c.records[0]!.partition), 'one key, one partition');
    assert.deepEqual(c.records.map((r) => r.headers.ce_type).slice(10, 13), [IntegrationEventType.CheckpointSigned, IntegrationEventType.EntryRegistered, IntegrationEventType.ClaimRevoked]);
    const st = p.status();
    let lastOfLog: bigint | undefined;
    for await (const e of store.readStream(logStream(LOG), { direction: 'backward', from: 'end', maxCount: 1 })) lastOfLog = e.position;
    assert.equal(st.position, lastOfLog, 'checkpoint at the last event of the log');
    assert.equal(st.published, expected.length);
    assert.equal(st.lastError, undefined);
    await p.stop();
    assert.equal(p.status().running, false);
  });

  it('restarting the publisher mid-stream loses nothing; duplicates carry the same id and bytes', async () => {
    const topic = await newTopic();
    const store = createMemoryEventStore();
    const log = new LogWriter(store);
    for (let b = 0; b < 20; b++) {
      await log.append([...Array.from({ length: 10 }, (_, i) => newEvent(entryRegistered(b * 10 + i))), newEvent(checkpointSigned(b * 10 + 10))]);
    }
    const expected = Array.from({ length: 20 }, (_, b) => [...Array.from({ length: 10 }, (_, i) => `main:entry:${b * 10 + i}`), `main:checkpoint:${b * 10 + 10}`]).flat();

    // Failure injection: the broker acknowledges batch 3 but its checkpoint save fails (a crash
    // between commit points 2 and 3): that batch must be sent again with the same ids.
    const real = createMemoryCheckpointStore();
    let saves = 0;
    const flaky: CheckpointStore = {
      load: (n) => real.load(n),
      save: async (n, pos) => {
        if (++saves === 3) throw new Error('injected: checkpoint save failed after the broker ack');
        return real.save(n, pos);
      },
      close: () => real.close(),
    };
    const c = await reader(topic, 'restart');
    const a = publisher({ topic, store, checkpoints: flaky, batchSize: 7 });
    a.start();
    await until(() => a.status().published >= 60, 30_000, 'the first publisher to publish 60 events');
    await a.stop(); // mid-stream: the batch in flight is abandoned
    const stoppedAt = await real.load('kafka:' + topic + ':' + LOG);
    assert.ok(stoppedAt !== undefined && stoppedAt < (await store.headPosition()), 'stopped before the end');

    const b = publisher({ topic, store, checkpoints: flaky, batchSize: 7 });
    b.start();
    await c.waitFor((rs) => new Set(ids(rs)).size >= expected.length, 60_000, `${expected.length} distinct events`);
    await until(() => b.status().lag === 0, 10_000, 'lag 0');
    const { unique, duplicates } = dedupe(c.records);
    assert.deepEqual(unique, expected, 'no gap, log order');
    assert.ok(duplicates >= 7, `the re-sent batch shows up as duplicates (saw ${duplicates})`);
    assert.deepEqual(c.invalid, []);
  });

  it('while the broker is down registration goes on; 100 entries registered meanwhile all arrive after it is back', async () => {
    const topic = await newTopic();
    const store = createMemoryEventStore();
    const log = new LogWriter(store);
    await log.append([newEvent(entryRegistered(0)), newEvent(checkpointSigned(1))]);
    const p = publisher({ topic, store, checkpoints: createMemoryCheckpointStore(), batchSize: 50 });
    p.start();
    await until(() => p.status().published === 2 && p.status().lag === 0, 30_000, 'the first entry to be published');

    await kafka.stop();
    const t0 = Date.now();
    for (let i = 1; i <= 100; i++) await log.append([newEvent(entryRegistered(i))]);
    assert.ok(Date.now() - t0 < 5_000, 'appends do not wait for Kafka');
    await until(() => p.status().lag === 100, 10_000, 'lag 100');
    await until(() => p.status().lastError !== undefined, 60_000, 'the publish failure to show in status()');
    assert.equal(p.status().lastError?.code, 'ERR_KAFKA_PUBLISH');
    assert.ok(p.status().failures >= 1);

    await kafka.start();
    await until(() => p.status().lag === 0 && p.status().lastError === undefined, 90_000, 'the publisher to catch up');
    const c = await reader(topic, 'after-outage');
    const expected = ['main:entry:0', 'main:checkpoint:1', ...Array.from({ length: 100 }, (_, i) => `main:entry:${i + 1}`)];
    await c.waitFor((rs) => new Set(ids(rs)).size >= expected.length, 30_000, `${expected.length} distinct events`);
    assert.deepEqual(dedupe(c.records).unique, expected);
    assert.deepEqual(c.invalid, []);
    assert.equal(p.status().position, await store.headPosition());
  });
});
