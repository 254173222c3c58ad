/**
 * The running service publishes its integration events to a real Kafka broker (single-node KRaft,
 * started by scripts/kafka-local.sh): registrations and a revocation through POST /entries arrive
 * as CloudEvents in log order, keyed by log id, valid against the JSON Schemas; a service restart
 * mid-stream leaves no gap (re-sent events keep their ids).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REVOCATION_CONTENT_TYPE } from '../../libs/ledger/src/index.js';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { Kafka } from 'kafkajs';
import { quietLogCreator } from '../../libs/kafka/src/index.js';
import { collect, type Collector } from '../../libs/kafka/test/kafka-consumer.collector.js';
import { kafkaSkip, kafkaVersions, startLocalKafka, type LocalKafka } from '../support/kafka.js';
import { register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

for (const version of kafkaVersions()) describe(`integration events from the running service to Kafka ${version}`, { skip: kafkaSkip(version) }, () => {
  let kafka: LocalKafka;
  let ledger: TestLedger;
  let issuer: TestIssuer;
  let collector: Collector;
  const topic = 'ledger-e2e';

  before(async () => {
    kafka = await startLocalKafka(version);
    // three partitions: order must hold because every record is keyed by the log id
    const admin = new Kafka({ brokers: kafka.brokers, ...quietLogCreator() }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    issuer = await makeIssuer('https://ci.kafka.example');
    ledger = await startLedger({
      policy: { version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] },
      env: { KAFKA_BROKERS: kafka.brokers.join(','), KAFKA_TOPIC: topic },
    });
    collector = await collect(kafka.brokers, topic, 'e2e-reader');
  });
  after(async () => {
    await collector?.stop();
    await ledger?.destroy();
    await kafka?.destroy();
  });

  it('publishes registrations, checkpoints and a revocation in log order, across a service restart', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await signStatement(issuer, { sub: subjectOf(i) });
      assert.equal((await register(ledger.url, s)).status, 201);
      ids.push(entryIdOf(toEntry(s).entry));
    }
    ledger = await ledger.restart();
    for (let i = 5; i < 10; i++) {
      const s = await signStatement(issuer, { sub: subjectOf(i) });
      assert.equal((await register(ledger.url, s)).status, 201);
      ids.push(entryIdOf(toEntry(s).entry));
    }
    const revocation = await signStatement(issuer, { sub: subjectOf(3), contentType: REVOCATION_CONTENT_TYPE, payload: JSON.stringify({ revokes: [ids[3]], reason: 'rebuilt' }) });
    assert.equal((await register(ledger.url, revocation)).status, 201);

    const type = (r: { headers: Record<string, string> }) => r.headers.ce_type ?? '';
    await collector.waitFor((rs) => rs.some((r) => type(r).includes('claim.revoked')), 60_000, 'the claim-revoked event');
    assert.deepEqual(collector.invalid, [], 'every message matches its JSON Schema');
    const unique = new Map(collector.records.map((r) => [r.headers.ce_id, r]));
    const registered = [...unique.values()].filter((r) => type(r).includes('entry.registered'));
    // every entry exactly once (by ce_id), in log order, keyed by the log id
    assert.deepEqual(registered.map((r) => (r.data as { entryId: string }).entryId), [...ids, entryIdOf(toEntry(revocation).entry)]);
    assert.ok(collector.records.every((r) => r.key === 'test-log'));
    const revoked = [...unique.values()].find((r) => type(r).includes('claim.revoked'))!;
    assert.equal(JSON.stringify(revoked.data).includes(ids[3]!), true);
    assert.ok([...unique.values()].some((r) => type(r).includes('checkpoint.signed')));
    // and the service reports the publisher in its health details
    const health = (await (await fetch(`${ledger.url}/health/details`)).json()) as { processors: { name: string; running: boolean }[] };
    assert.ok(health.processors.some((p) => p.name === 'kafka' && p.running));
  });
});
