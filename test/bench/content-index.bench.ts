/**
 * Claim contents in `npm run bench:projections` (docs/benchmarks.md#claim-contents):
 * 1. the content projection at 10⁵ indexed components: SBOM entries (real COSE_Sign1 bytes with
 *    CycloneDX payloads, fake signatures: projections never verify) rebuilt from the event store
 *    with the claims projection, then `GET /components` as the handler runs it (ContentReader:
 *    the as-of join with the claims projection; HTTP adds its own ≈ 50 µs);
 * 2. registrations/s of the real service (in-process, loopback HTTP, SQLite synchronous=FULL) with
 *    a 500-component CycloneDX payload against the same bytes registered as `application/json`
 *    (opaque: not parsed), in one run, with the HTTP thread's event-loop delay during each.
 * Env: CONTENT_SBOMS (default 2000 × 50 components), CONTENT_REGISTRATIONS (default 300 per kind).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encodeCbor, encodeSign1 } from '../../libs/cose/src/index.js';
import { openSqliteEventStore } from '../../libs/event-store/src/index.js';
import type { LedgerEvent } from '../../libs/ledger/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { entryIdOf } from '../../libs/receipt/src/index.js';
import { cyclonedxSbom } from '../../libs/content/test/sbom.generator.js';
import { claimsProjection } from '../../src/projections/claims.projection.js';
import { contentProjection } from '../../src/projections/content.projection.js';
import { componentQuery, ContentReader } from '../../src/projections/content.reader.js';
import { catchUp } from '../../src/projections/projection.runner.js';
import { ProjectionStore } from '../../src/projections/projection.store.js';
import { appendLedger, prng } from '../../src/projections/test/ledger-events.fixture.js';
import { problemOf, register, startLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const SBOMS = Number(process.env.CONTENT_SBOMS ?? 2000);
const PER_SBOM = 50;
const REGISTRATIONS = Number(process.env.CONTENT_REGISTRATIONS ?? 300);
const CT = 'application/vnd.cyclonedx+json';
const enc = new TextEncoder();

/** An SBOM of `PER_SBOM` components: lodash in one of 5 versions, the rest from a pool of 5,000 packages. */
function sbomPayload(n: number, rnd: () => number): Uint8Array {
  const doc = cyclonedxSbom(PER_SBOM, { seed: `p${n}` }) as { components: { name: string; version: string; purl: string; 'bom-ref': string }[] };
  doc.components.forEach((c, i) => {
    const name = i === 0 ? 'lodash' : `pkg-${Math.floor(rnd() * 5000)}`;
    const version = i === 0 ? `4.17.${17 + (n % 5)}` : `1.${Math.floor(rnd() * 10)}.0`;
    Object.assign(c, { name, version, purl: `pkg:npm/${name}@${version}` });
  });
  return enc.encode(JSON.stringify(doc));
}

function* sbomBatches(rnd: () => number): Generator<LedgerEvent[]> {
  let batch: LedgerEvent[] = [];
  for (let index = 0; index < SBOMS; index++) {
    const protectedBytes = encodeCbor(new Map<number, unknown>([[1, -7], [3, CT]]));
    const entry = encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload: sbomPayload(index, rnd), signature: createHash('sha512').update(`s${index}`).digest() }, { tagged: true });
    const who = index % 10;
    // 200 collections; each new SBOM by the same issuer about the same collection supersedes the last
    const sub = `registry.example/team-${who}/app@sha256:${createHash('sha256').update(`c${index % 200}`).digest('hex')}`;
    batch.push({ type: 'EntryRegistered', index, entryId: entryIdOf(entry), leafHash: hashLeaf(entry), entry, iss: `https://ci-${who}.example`, sub, contentType: CT, kid: `k${who}`, registeredAt: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString() });
    if (batch.length === 100 || index === SBOMS - 1) {
      batch.push({ type: 'CheckpointSigned', treeSize: index + 1, root: new Uint8Array(32), protectedHeader: encodeCbor(new Map([[1, -7]])), signature: new Uint8Array(64), signedAt: new Date().toISOString() });
      yield batch;
      batch = [];
    }
  }
}

function timed(name: string, runs: number, run: () => number): void {
  for (let i = 0; i < 20; i++) run();
  const t: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    rows += run();
    t.push((performance.now() - t0) * 1000);
  }
  t.sort((a, b) => a - b);
  console.log(`| ${name} | ${t[Math.floor(runs / 2)]!.toFixed(0)} | ${t[Math.floor(runs * 0.99)]!.toFixed(0)} | ${(rows / runs).toFixed(0)} |`);
}

async function componentsIndex(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-content-bench-'));
  try {
    const store = await openSqliteEventStore({ path: join(dir, 'events.sqlite'), worker: false });
    await appendLedger(store, 'bench', [...sbomBatches(prng(5))], -1);
    const ps = new ProjectionStore({ path: join(dir, 'projections.sqlite'), logId: 'bench', projections: [claimsProjection, contentProjection] });
    await catchUp(store, ps, 'claims', 500);
    const t0 = performance.now();
    const events = await catchUp(store, ps, 'content', 500);
    const ms = performance.now() - t0;
    const rows = (ps.db.prepare('SELECT count(*) AS n FROM content_components').get() as { n: number }).n;
    console.log(`\ncontent projection: ${SBOMS} CycloneDX SBOMs of ${PER_SBOM} components (${rows} component rows indexed) rebuilt in ${(ms / 1000).toFixed(1)} s: ${Math.round(events / (ms / 1000))} events/s, ${Math.round(rows / (ms / 1000))} components/s (parse + insert)\n`);
    const reader = new ContentReader(ps.db);
    const rnd = prng(11);
    console.log('| GET /components (limit 100), ContentReader | p50 µs | p99 µs | rows |');
    console.log('|---|---|---|---|');
    timed('pkg:npm/lodash@4.17.19 (one version; in 1/5 of all SBOMs, 200 current)', 500, () => reader.components(componentQuery('pkg:npm/lodash@4.17.19'), { limit: 100 }).items.length);
    timed('pkg:npm/lodash (all versions; in every SBOM)', 500, () => reader.components(componentQuery('pkg:npm/lodash'), { limit: 100 }).items.length);
    timed('pkg:npm/pkg-<random> (all versions; ≈ 20 SBOMs each)', 2000, () => reader.components(componentQuery(`pkg:npm/pkg-${Math.floor(rnd() * 5000)}`), { limit: 100 }).items.length);
    timed('pkg:npm/pkg-<random>@1.<random>.0 (exact)', 2000, () => reader.components(componentQuery(`pkg:npm/pkg-${Math.floor(rnd() * 5000)}@1.${Math.floor(rnd() * 10)}.0`), { limit: 100 }).items.length);
    timed('pkg:npm/absent (a miss)', 2000, () => reader.components(componentQuery('pkg:npm/absent'), { limit: 100 }).items.length);
    ps.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function registrations(): Promise<void> {
  const issuer = await makeIssuer('https://bench.example');
  const ledger = await startLedger({ policy: { version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }, env: { RATE_LIMIT_PER_MINUTE: '0', READ_RATE_LIMIT_PER_MINUTE: '0' } });
  try {
    const sign = async (ct: string, offset: number) =>
      Promise.all(Array.from({ length: REGISTRATIONS }, async (_, i) => {
        const payload = enc.encode(JSON.stringify(cyclonedxSbom(500, { seed: `r${offset + i}` })));
        return signStatement(issuer, { sub: subjectOf(offset + i), contentType: ct, payload });
      }));
    const sbom = await sign(CT, 0);
    const opaque = await sign('application/json', 100_000);
    const bytes = sbom[0]!.length;
    const run = async (label: string, statements: Uint8Array[]) => {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const t0 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < statements.length) {
          const res = await register(ledger.url, statements[next++]!);
          if (res.status !== 201) throw new Error(`${label}: HTTP ${res.status}: ${JSON.stringify(await problemOf(res))}`);
          await res.arrayBuffer();
        }
      }));
      const s = (performance.now() - t0) / 1000;
      h.disable();
      const rate = statements.length / s;
      console.log(`| ${label} | ${rate.toFixed(0)} | ${(h.percentile(50) / 1e6).toFixed(1)} | ${(h.percentile(99) / 1e6).toFixed(1)} | ${(h.max / 1e6).toFixed(1)} |`);
      return rate;
    };
    console.log(`\nregistrations, ${REGISTRATIONS} each, 16 concurrent, statements of ${bytes} bytes (500 components):\n`);
    console.log('| payload | registrations/s | event-loop delay p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|');
    await run('warm-up (opaque)', opaque.slice(0, 50));
    const o = await run('opaque (application/json, not parsed)', opaque.slice(50));
    const c = await run('CycloneDX 500 components (parsed in the worker)', sbom);
    console.log(`\nratio CycloneDX / opaque: ${(c / o).toFixed(2)}`);
  } finally {
    await ledger.destroy();
  }
}

export async function runContentBench(): Promise<void> {
  if (process.env.CONTENT_BENCH !== 'registrations') await componentsIndex();
  await registrations();
}
