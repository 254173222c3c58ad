/**
 * The background processors' metrics, registered in the registry of the thread that runs them
 * (the processors' thread by default: its registry is sent to the HTTP thread at scrape time and
 * merged there, see metrics.controller.ts). Gauges are read from the processors' own status when
 * scraped — one status round per scrape, shared by every gauge.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Processor, ProcessorStatus } from '../processors/processor.js';

/** Statuses fetched at most once per `ttlMs`: every gauge of one scrape reads the same round. */
function statusSnapshot(processors: () => readonly Processor[], ttlMs = 250): () => Promise<ProcessorStatus[]> {
  let last: { at: number; statuses: Promise<ProcessorStatus[]> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > ttlMs) last = { at: now, statuses: Promise.all(processors().map(async (p) => p.status())) };
    return last.statuses;
  };
}

const lagOf = (s: ProcessorStatus): number => (typeof s.lag === 'number' && s.lag >= 0 ? s.lag : NaN);

/**
 * Registers the processors' gauges in `registry`. `kafka`: Kafka is configured — its lag gauge is
 * registered even while the publisher does not run (a node of several that does not lead: NaN).
 */
export function registerProcessorMetrics(registry: Registry, processors: () => readonly Processor[], o: { readonly kafka?: boolean } = {}): void {
  const snapshot = statusSnapshot(processors);
  const registers = [registry];
  new Gauge({
    name: 'scitt_processor_lag_events',
    help: 'events in the store this processor has yet to handle (its filter applied), by processor',
    labelNames: ['processor'] as const,
    registers,
    async collect() {
      this.reset();
      for (const s of await snapshot()) this.set({ processor: s.name }, lagOf(s));
    },
  });
  new Gauge({
    name: 'scitt_processor_running',
    help: '1 when the processor runs, 0 when it stopped (after an error it could not recover from, or while its thread restarts)',
    labelNames: ['processor'] as const,
    registers,
    async collect() {
      this.reset();
      for (const s of await snapshot()) this.set({ processor: s.name }, s.running ? 1 : 0);
    },
  });
  new Gauge({
    name: 'scitt_projection_lag_entries',
    help: 'log events not yet applied to the query projection, by projection',
    labelNames: ['projection'] as const,
    registers,
    async collect() {
      this.reset();
      for (const s of await snapshot()) {
        const m = /^projection:([^:]+):/.exec(s.name);
        if (m) this.set({ projection: m[1]! }, lagOf(s));
      }
    },
  });
  if (o.kafka ?? processors().some((p) => p.name === 'kafka')) {
    new Gauge({
      name: 'scitt_kafka_lag_events',
      help: 'log events not yet acknowledged by the Kafka brokers (absent when Kafka is off; NaN on a node that does not lead)',
      registers,
      async collect() {
        const k = (await snapshot()).find((s) => s.name === 'kafka');
        this.set(k ? lagOf(k) : NaN);
      },
    });
  }
  new Gauge({
    name: 'scitt_publisher_lag_entries',
    help: 'claims recorded for publication as OCI referrers and not yet published, by target (a registry host, or oci-layout)',
    labelNames: ['target'] as const,
    registers,
    async collect() {
      this.reset();
      const p = (await snapshot()).find((s) => s.name === 'oci-referrer-publisher');
      const backlog = (p?.backlog ?? {}) as Record<string, number>;
      for (const [target, n] of Object.entries(backlog)) this.set({ target }, n);
    },
  });
}
