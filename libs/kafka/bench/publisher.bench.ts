/**
 * Publisher throughput against a real local broker (scripts/kafka-local.sh): N entries (a
 * checkpoint every 100) already in an in-memory store, then time from start() until the broker
 * acknowledged all of them (lag 0), for a few batch sizes.
 *
 *   npx tsc -p tsconfig.json && node dist/libs/kafka/bench/publisher.bench.js [N]
 */
import { createMemoryEventStore } from '../../event-store/src/memory.event-store.js';
import { createMemoryCheckpointStore } from '../../event-store/src/checkpoint.store.js';
import type { ExpectedRevision } from '../../event-store/src/event-store.port.js';
import { logStream } from '../../ledger/src/events.js';
import { startLocalKafka } from '../../../test/support/kafka.js';
import { createKafkaPublisher } from '../src/kafka.publisher.js';
import { checkpointSigned, entryRegistered, newEvent } from '../test/ledger-events.fixture.js';

const N = Number(process.argv[2] ?? 20_000);
const kafka = await startLocalKafka();
try {
  const store = createMemoryEventStore();
  let expected: ExpectedRevision = 'no_stream';
  for (let b = 0; b < N / 100; b++) {
    const events = Array.from({ length: 100 }, (_, i) => newEvent(entryRegistered(b * 100 + i)));
    events.push(newEvent(checkpointSigned(b * 100 + 100)));
    expected = (await store.append(logStream('main'), events, expected)).nextExpectedRevision;
  }
  const total = (N / 100) * 101;
  console.log(`# ${total} stored events (${N} entries + ${N / 100} checkpoints), Kafka 3.9.2 on loopback, 1 partition`);
  for (const batchSize of [100, 500, 2000]) {
    for (const run of [1, 2, 3]) {
      const p = createKafkaPublisher({ brokers: kafka.brokers, topic: `bench-${batchSize}-${run}`, logId: 'main', store, checkpoints: createMemoryCheckpointStore(), batchSize, lagIntervalMs: 20 });
      const t0 = performance.now();
      p.start();
      while (p.status().position !== (await store.headPosition())) await new Promise((r) => setTimeout(r, 5));
      const ms = performance.now() - t0;
      await p.stop();
      console.log(`batchSize ${String(batchSize).padStart(4)} run ${run}: ${ms.toFixed(0).padStart(6)} ms  ${Math.round((total / ms) * 1000).toLocaleString('en')} events/s acknowledged (incl. connect + topic auto-create)`);
    }
  }
} finally {
  await kafka.destroy();
}
