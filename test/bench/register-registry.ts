/**
 * `BENCH_REGISTRY=1` for `npm run bench:register`: the statements' subjects are real collections
 * in a real `docker-registry` started for the run, the service publishes every receipt there (its
 * configured registry), and the bench measures what the seed promises: receipts published per
 * second, and the time from a registration's 201 to its referrer being in the registry.
 *
 * - subjects: BENCH_SUBJECTS (default 500) small images pushed before the run, spread over 8
 *   repositories; statement i is about subject i mod BENCH_SUBJECTS (so each collection collects
 *   many claims, as a busy artifact does);
 * - lag: every 10th request of the paced run records its 201 time and entry id; afterwards the
 *   bench reads each one's `GET /entries/{id}/publication` (`publishedAt`: when the push to the
 *   registry completed, manifest and referrers index written) — and checks a sample of them in the
 *   registry itself (the referrers of its subject list a manifest annotated with its entry id);
 * - throughput: the service's `scitt_publisher_attempts_total{outcome="published"}` before and
 *   after each run, and the time until the whole backlog is published (the drain).
 */
import { pushTestCollection } from '../support/registry-collection.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { samplesOf, sumOf } from './service-metrics.js';

export const REGISTRY_MODE = process.env.BENCH_REGISTRY === '1';
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 500);
const ANNOTATION_ENTRY_ID = 'dev.scitt-ledger.entry-id';

export interface BenchRegistry {
  readonly registry: TestRegistry;
  /** the service's environment for this registry */
  readonly env: Record<string, string>;
  /** statement i's subject */
  subjectOf(i: number): string;
  dispose(): Promise<void>;
}

export async function prepareRegistry(): Promise<BenchRegistry> {
  const registry = await startRegistry();
  const refs: string[] = [];
  process.stdout.write(`pushing ${SUBJECTS} subject collections to docker-registry ${registry.host} … `);
  for (let start = 0; start < SUBJECTS; start += 16) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(16, SUBJECTS - start) }, (_, k) => pushTestCollection(registry.url, `bench/app-${(start + k) % 8}`, { seed: `subject-${start + k}` })),
    );
    refs.push(...batch.map((c) => c.reference));
  }
  console.log('done');
  return {
    registry,
    env: { OCI_REGISTRIES: `${registry.host}=http` },
    subjectOf: (i) => refs[i % refs.length]!,
    dispose: () => registry.dispose(),
  };
}

/** Receipts the service has published so far (its metrics). */
export async function publishedCount(url: string): Promise<number> {
  return sumOf(samplesOf(await (await fetch(`${url}/metrics`)).text()), 'scitt_publisher_attempts_total', { outcome: 'published' }) ?? 0;
}

/** Waits until `target` receipts are published or `timeoutMs` passes; the time it took (ms), or undefined. */
export async function drain(url: string, target: number, timeoutMs: number): Promise<{ ms: number | undefined; published: number }> {
  const t0 = performance.now();
  let published = 0;
  while (performance.now() - t0 < timeoutMs) {
    published = await publishedCount(url);
    if (published >= target) return { ms: performance.now() - t0, published };
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ms: undefined, published };
}

export interface Created {
  readonly entryId: string;
  /** wall clock (ms since the epoch) of the 201 */
  readonly at: number;
  readonly subject: string;
}

/** Lag from 201 to published for each sampled entry (ms, sorted); entries still unpublished are counted apart. */
export async function publicationLags(url: string, created: readonly Created[]): Promise<{ lags: number[]; unpublished: number }> {
  const lags: number[] = [];
  let unpublished = 0;
  for (const c of created) {
    const r = await fetch(`${url}/entries/${c.entryId}/publication`, { headers: { accept: 'application/json' } });
    const body = (await r.json()) as { state?: string; publishedAt?: string };
    if (body.state === 'published' && body.publishedAt) lags.push(Date.parse(body.publishedAt) - c.at);
    else unpublished++;
  }
  return { lags: lags.sort((a, b) => a - b), unpublished };
}

/** How many of `sample` are listed among their subject's referrers in the registry itself (referrers tag schema or API). */
export async function visibleInRegistry(registry: TestRegistry, sample: readonly Created[]): Promise<number> {
  let seen = 0;
  for (const c of sample) {
    const at = c.subject.indexOf('/');
    const [repo, digest] = c.subject.slice(at + 1).split('@') as [string, string];
    const api = await fetch(`${registry.url}/v2/${repo}/referrers/${digest}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
    let index: { manifests?: { annotations?: Record<string, string> }[] } | undefined;
    if (api.status === 200 && (api.headers.get('content-type') ?? '').includes('index')) index = (await api.json()) as typeof index;
    else {
      await api.arrayBuffer();
      const tag = await fetch(`${registry.url}/v2/${repo}/manifests/${digest.replace(':', '-')}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
      index = tag.status === 200 ? ((await tag.json()) as typeof index) : (await tag.arrayBuffer(), undefined);
    }
    if (index?.manifests?.some((m) => m.annotations?.[ANNOTATION_ENTRY_ID] === c.entryId)) seen++;
  }
  return seen;
}

export const percentile = (sorted: readonly number[], f: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!);
