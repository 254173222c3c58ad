/**
 * Counters and histograms for the hot path: a child per label set, made once, whose `inc` and
 * `observe` are a few additions — no label hashing, no validation, no object per call. prom-client's
 * own children hash their labels on every call: a registration's metrics took 3.8 µs with them and
 * 0.09 with these (`npm run bench:http-hooks`, #17 tenth pass), and every GET pays its share too. They register in a prom-client {@link Registry} like its own
 * metrics and export the same text (fast-metrics.unit.spec.ts holds them to prom-client's output).
 */
import type { Registry } from 'prom-client';

/** A value as prom-client's registry exports it (`Registry.getMetricsAsJSON`, the text format). */
interface ExportedValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

interface Options<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registers: readonly Registry[];
}

/** What both kinds share: the registry's side of a metric (duck-typed as prom-client's `Metric`). */
abstract class FastMetric<L extends string, C> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';
  protected readonly labelNames: readonly L[];
  /** children by their label values joined with NUL, in creation order (the export's order) */
  protected readonly children = new Map<string, { labels: Record<string, string>; child: C }>();

  constructor(o: Options<L>) {
    this.name = o.name;
    this.help = o.help;
    this.labelNames = o.labelNames ?? [];
    for (const r of o.registers) r.registerMetric(this as never);
  }

  /** The child for these label values (in `labelNames` order), made on first use. */
  labels(...values: string[]): C {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    const key = values.join('\u0000');
    let c = this.children.get(key);
    if (!c) {
      c = { labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!])), child: this.create() };
      this.children.set(key, c);
    }
    return c.child;
  }

  protected abstract create(): C;
  protected abstract values(): ExportedValue[];

  /** The registry's read (prom-client calls it at each scrape). */
  get(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator });
  }

  /** `Registry.resetMetrics()`: every child back to zero (kept: the hot path holds them). */
  abstract reset(): void;
}

export interface FastCounterChild {
  inc(by?: number): void;
}

class CounterChild implements FastCounterChild {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class FastCounter<L extends string = never> extends FastMetric<L, FastCounterChild> {
  readonly type = 'counter';

  protected create(): FastCounterChild {
    return new CounterChild();
  }

  protected values(): ExportedValue[] {
    return [...this.children.values()].map(({ labels, child }) => ({ labels, value: (child as CounterChild).value }));
  }

  reset(): void {
    for (const { child } of this.children.values()) (child as CounterChild).value = 0;
  }
}

export interface FastHistogramChild {
  observe(value: number): void;
}

class HistogramChild implements FastHistogramChild {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    if (i < b.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class FastHistogram<L extends string = never> extends FastMetric<L, FastHistogramChild> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(o: Options<L> & { readonly buckets: readonly number[] }) {
    super(o);
    this.bounds = [...o.buckets].sort((a, b) => a - b);
  }

  protected create(): FastHistogramChild {
    return new HistogramChild(this.bounds);
  }

  protected values(): ExportedValue[] {
    const out: ExportedValue[] = [];
    for (const { labels, child } of this.children.values()) {
      const h = child as HistogramChild;
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += h.counts[i]!;
        out.push({ labels: { le, ...labels }, value: acc, metricName: `${this.name}_bucket` });
      });
      out.push({ labels: { le: '+Inf', ...labels }, value: h.count, metricName: `${this.name}_bucket` });
      out.push({ labels, value: h.sum, metricName: `${this.name}_sum` });
      out.push({ labels, value: h.count, metricName: `${this.name}_count` });
    }
    return out;
  }

  reset(): void {
    for (const { child } of this.children.values()) {
      const h = child as HistogramChild;
      h.counts.fill(0);
      h.sum = 0;
      h.count = 0;
    }
  }
}
