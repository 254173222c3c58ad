/**
 * Referrer publication throughput against a real docker-registry 2.8 (tag-schema fallback) and
 * into an OCI layout. Run: `npx tsc -p <your tsconfig> && node dist/libs/oci/bench/referrers.bench.js [n]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../../../test/support/registry.js';
import { pushTestCollection } from '../../../test/support/registry-collection.js';
import { sampleArtifact } from '../../../test/support/registry-fixtures.js';
import { OciLayoutStore, RegistryClient, RegistryReferrerTarget } from '../src/index.js';

const n = Number(process.argv[2] ?? 100);

async function time(label: string, count: number, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  console.log(`${label}: ${count} in ${ms.toFixed(0)} ms = ${((count * 1000) / ms).toFixed(1)}/s`);
}

const reg = await startRegistry();
try {
  const client = new RegistryClient({ registry: reg.host });
  const refs = RegistryReferrerTarget.forClient(client);
  const subjects = await Promise.all(Array.from({ length: 8 }, (_, i) => pushTestCollection(reg.url, `bench/app${i}`)));
  await time('registry pushReferrer, one subject, sequential', n, async () => {
    for (let i = 0; i < n; i++) await refs.pushReferrer({ registry: client.registry, repository: 'bench/app0' }, sampleArtifact(subjects[0]!.descriptor, i));
  });
  await time('registry pushReferrer, 8 subjects, 8 in flight', n, async () => {
    await Promise.all(subjects.map(async (s, k) => {
      for (let i = k; i < n; i += 8) await refs.pushReferrer({ registry: client.registry, repository: `bench/app${k}` }, sampleArtifact(s.descriptor, 10_000 + i));
    }));
  });
  await time('registry pushReferrers, one subject, batches of 32 (4 artifacts at a time, one index update per batch)', n, async () => {
    for (let i = 0; i < n; i += 32) {
      const batch = Array.from({ length: Math.min(32, n - i) }, (_, k) => sampleArtifact(subjects[1]!.descriptor, 20_000 + i + k));
      const r = await refs.pushReferrers({ registry: client.registry, repository: 'bench/app1' }, batch, { parallel: 4 });
      if (r.some((x) => x instanceof Error)) throw new Error('a batched push failed');
    }
  });
  await time('registry listReferrers (tag index of n entries)', 20, async () => {
    for (let i = 0; i < 20; i++) await refs.listReferrers({ registry: client.registry, repository: 'bench/app0' }, subjects[0]!.descriptor.digest);
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-layout-'));
  try {
    const store = await OciLayoutStore.open(dir);
    await time('layout pushReferrer, one subject, sequential (fsync each)', n, async () => {
      for (let i = 0; i < n; i++) await store.pushReferrer(sampleArtifact(subjects[0]!.descriptor, i));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await reg.dispose();
}
