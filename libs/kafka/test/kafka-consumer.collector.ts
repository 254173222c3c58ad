/** Test helper: a consumer-group reader that collects every record of a topic and checks it against the JSON Schemas. */
import { Kafka, type Consumer } from 'kafkajs';
import { quietLogCreator } from '../src/kafka.client.js';
import { schemaErrors } from './cloud-event.validator.js';

export interface Received {
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly value: string;
  readonly data: unknown;
  readonly partition: number;
  readonly offset: string;
}

export interface Collector {
  readonly records: Received[];
  /** schema violations seen so far, one line per bad record */
  readonly invalid: string[];
  /** Resolves when `pred(records)` holds; rejects after `timeoutMs` saying what it saw. */
  waitFor(pred: (r: Received[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/** Joins consumer group `groupId` on `topic` from the beginning and collects what arrives. */
export async function collect(brokers: string[], topic: string, groupId: string): Promise<Collector> {
  const kafka = new Kafka({ brokers, clientId: `test-${groupId}`, ...quietLogCreator() });
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const records: Received[] = [];
  const invalid: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
      const value = message.value?.toString('utf8') ?? '';
      let data: unknown;
      try {
        data = JSON.parse(value);
      } catch {
        data = undefined;
      }
      const r: Received = { key: message.key?.toString('utf8') ?? '', headers, value, data, partition, offset: message.offset };
      const errs = schemaErrors(r);
      if (errs.length > 0) invalid.push(`${headers.ce_id ?? '?'} @${message.offset}: ${errs.join('; ')}`);
      records.push(r);
    },
  });
  return {
    records,
    invalid,
    async waitFor(pred, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(records)) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${records.length} records`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => consumer.disconnect(),
  };
}
