/**
 * What the benches read of a running service: its CPU from /proc (process and main thread) and its
 * Prometheus text at `/metrics` — the processors' thread's CPU, the published receipts, and the
 * latency histograms that say where a paced run's time went. One reader of the text exposition
 * for all of them (test/e2e/metrics.e2e.spec.ts keeps its own, stricter one: it checks the format).
 */
import { statCpuSeconds } from '../../src/metrics/thread-cpu.js';

/** One sample of the text exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a /metrics text (comments and lines that are not samples skipped). */
export function samplesOf(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const matches = (s: Sample, name: string, labels: Readonly<Record<string, string>>): boolean =>
  s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);

/** The sum of the samples named `name` whose labels include `labels`; undefined when there is none. */
export function sumOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  let sum: number | undefined;
  for (const s of samples) if (matches(s, name, labels)) sum = (sum ?? 0) + s.value;
  return sum;
}

/** The service's /metrics, as samples (none when it does not answer). */
export const scrapeSamples = (url: string): Promise<Sample[]> => fetch(`${url}/metrics`).then((r) => r.text(), () => '').then(samplesOf);

/**
 * CPU seconds (user + system) a process, and its main thread, have used so far: from /proc (Linux;
 * clock ticks of 10 ms). CPU per registration does not depend on what else the machine runs, so it
 * compares builds more reliably than latency on a shared 2-core machine.
 */
function cpuSeconds(pid: number): { process: number; mainThread: number } | undefined {
  const process = statCpuSeconds(`/proc/${pid}/stat`);
  const mainThread = statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
  return process === undefined || mainThread === undefined ? undefined : { process, mainThread }; // undefined: not Linux
}

export type Cpu = { process: number; mainThread: number; processors?: number };

/**
 * The service's CPU now ({@link cpuSeconds}, and the processors' thread's from
 * `scitt_thread_cpu_seconds_total`) and its samples (for {@link serverSideLine}).
 */
export async function scrape(pid: number, url: string): Promise<{ cpu: Cpu | undefined; samples: Sample[] }> {
  const samples = await scrapeSamples(url);
  const cpu = cpuSeconds(pid);
  const processors = sumOf(samples, 'scitt_thread_cpu_seconds_total', { thread: 'processors' });
  return { cpu: cpu && processors !== undefined ? { ...cpu, processors } : cpu, samples };
}

/** CPU per registration (µs) between two scrapes: the service, its main thread, and the processors' thread and the rest where the service tells. */
export function cpuPerRegistration(before: Cpu | undefined, after: Cpu | undefined, requests: number): { service: number; main: number; processors?: number; rest?: number } | undefined {
  if (!before || !after) return undefined;
  const us = (s: number): number => Math.round((s / requests) * 1e6);
  const service = after.process - before.process;
  const main = after.mainThread - before.mainThread;
  if (before.processors === undefined || after.processors === undefined) return { service: us(service), main: us(main) };
  const processors = after.processors - before.processors;
  return { service: us(service), main: us(main), processors: us(processors), rest: us(service - main - processors) };
}

/** CPU per registration between two scrapes, by thread where the service tells. */
export function cpuLine(before: Cpu | undefined, after: Cpu | undefined, requests: number): string {
  const c = cpuPerRegistration(before, after, requests);
  if (!c) return 'CPU per registration: not measured (no /proc)';
  let line = `CPU per registration: service ${c.service} µs, its main thread ${c.main} µs`;
  if (c.processors !== undefined) line += `, processors' thread ${c.processors} µs, the rest ${c.rest} µs (store worker, verification, V8)`;
  return line;
}

/** A histogram's cumulative bucket counts (`le` → count) and its sum, over the series whose labels include `labels`. */
function histogram(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): { buckets: Map<number, number>; sum: number } {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (!matches(s, `${name}_bucket`, labels) || s.labels.le === undefined) continue;
    const bound = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + s.value);
  }
  return { buckets, sum: sumOf(samples, `${name}_sum`, labels) ?? 0 };
}

/** The smallest bucket bound under which a share `q` of the observations between two scrapes fell. */
function quantileBound(before: Map<number, number>, after: Map<number, number>, q: number): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return undefined;
  return bounds.find((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0) >= q * total);
}

/**
 * Where a paced run's latency went, from the service's own histograms (bucket bounds, not exact
 * quantiles): the registration inside the service, the event store's durable append in it, the
 * batches the sequencer made, and each registered statement's stages (check, queue for its batch,
 * its batch's turn). A p99 far above the append's is queueing for the cores, not the disk.
 */
export function serverSideLine(before: readonly Sample[], after: readonly Sample[]): string {
  const ms = (s: number | undefined): string => (s === undefined ? '?' : s === Infinity ? '> max bucket' : `≤ ${+(s * 1000).toFixed(1)} ms`);
  const between = (name: string, labels?: Record<string, string>) => ({ h0: histogram(before, name, labels), h1: histogram(after, name, labels) });
  const q = ({ h0, h1 }: ReturnType<typeof between>, p: number): string => ms(quantileBound(h0.buckets, h1.buckets, p));
  const registration = between('scitt_registration_duration_seconds', { outcome: 'registered' });
  const append = between('scitt_event_store_append_duration_seconds');
  const { h0: b0, h1: b1 } = between('scitt_sequencer_batch_size');
  const batches = (b1.buckets.get(Infinity) ?? 0) - (b0.buckets.get(Infinity) ?? 0);
  if (batches <= 0) return 'server side: not measured (no histograms in /metrics)';
  // the stages of a registered statement (scitt_registration_stage_seconds): their p99 bounds and means say which one the tail is
  const stages = ['check', 'queue', 'sequence'].map((stage) => {
    const h = between('scitt_registration_stage_seconds', { stage });
    const n = (h.h1.buckets.get(Infinity) ?? 0) - (h.h0.buckets.get(Infinity) ?? 0);
    return n > 0 ? `${stage} p99 ${q(h, 0.99)} (mean ${(((h.h1.sum - h.h0.sum) / n) * 1000).toFixed(1)} ms)` : undefined;
  });
  return (
    `server side: registration p50 ${q(registration, 0.5)}, p99 ${q(registration, 0.99)}; durable append p50 ${q(append, 0.5)}, p99 ${q(append, 0.99)}; ` +
    `${batches} batches of ${((b1.sum - b0.sum) / batches).toFixed(1)} statements on average` +
    (stages.every(Boolean) ? `\n      stages: ${stages.join('; ')}` : '')
  );
}
