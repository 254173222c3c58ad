/**
 * The background processors' cost per registration: what the processors' thread (projections, OCI
 * referrer publisher, Kafka when configured) spends to work off a log, in CPU per event, as the
 * service runs them (`runProcessors` with the service's default configuration, in one thread).
 *
 * Each run fills a fresh SQLite event store with ENTRIES registrations of the synthetic ledger
 * (test fixture: 8 issuers, OCI and non-OCI subjects in no registry and not in the embedded layout,
 * revocations; `PAYLOAD_BYTES` pads each statement's payload to the size the register bench signs),
 * then starts the processors and measures the process's CPU (every thread) until every
 * processor has caught up. The publisher's subjects exist nowhere, as in `bench:register`: each
 * entry costs it a recorded publication and a failed first attempt.
 *
 * `BENCH_BUILDS=<dist dir>,<dist dir>` alternates builds (each run in its own process) for an A/B
 * in one session; `BENCH_ROUNDS` (default 3). Run: `npm run bench:processors`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILDS = (process.env.BENCH_BUILDS ?? here).split(',').filter(Boolean);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ENTRIES = Number(process.env.ENTRIES ?? 20_000);
const PAYLOAD_BYTES = Number(process.env.PAYLOAD_BYTES ?? 1200);
/** the fixture's issuers and subjects per issuer (BENCH_SUBJECTS=1 BENCH_ISSUERS=1: every claim about one subject) */
const ISSUERS = Number(process.env.BENCH_ISSUERS ?? 8);
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 50);

/** user + system CPU seconds of this process (every thread: the processors', the store's worker) */
function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface RunResult {
  readonly build: string;
  readonly events: number;
  readonly cpuUsPerEntry: number;
  readonly wallMs: number;
}

async function child(build: string): Promise<RunResult> {
  const { openSqliteEventStore, openSqliteCheckpointStore } = await import(join(build, 'libs/event-store/src/index.js'));
  const { loadConfig } = await import(join(build, 'src/infrastructure/config.js'));
  const { runProcessors } = await import(join(build, 'src/processors/run-processors.js'));
  const { LogIndexStore } = await import(join(build, 'src/log/log-index.store.js'));
  const { ledgerBatches, toNewEvent } = await import(join(build, 'src/projections/test/ledger-events.fixture.js'));
  const { logStream } = await import(join(build, 'libs/ledger/src/index.js'));
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-processors-'));
  try {
    const logId = 'bench';
    const config = loadConfig({ DATA_DIR: dataDir, LOG_ID: logId, LOG_LEVEL: 'error', ...(process.env.OCI_PUBLISHER ? { OCI_PUBLISHER: process.env.OCI_PUBLISHER } : {}) }, dataDir);
    const fill = await openSqliteEventStore({ path: join(dataDir, 'events.sqlite') });
    let revision = -1;
    let events = 0;
    for (const batch of ledgerBatches({ entries: ENTRIES, batch: 64, issuers: ISSUERS, subjects: SUBJECTS, payloadPad: Math.max(0, PAYLOAD_BYTES - 200) })) {
      const r = await fill.append(logStream(logId), batch.map(toNewEvent), revision < 0 ? 'no_stream' : revision);
      revision = r.nextExpectedRevision;
      events += batch.length;
    }
    await fill.close();
    const { openConfiguredEventStore } = await import(join(build, 'src/infrastructure/event-store.factory.js'));
    // as the processors' thread opens it (an older build has no processorsStoreOptions)
    const { processorsStoreOptions } = await import(join(build, 'src/infrastructure/stores.js'));
    const store = await openConfiguredEventStore(config, processorsStoreOptions?.(config) ?? { pollIntervalMs: config.processors.pollIntervalMs });
    const index = new LogIndexStore(join(dataDir, 'log-index.sqlite'), {});
    const checkpoints = openSqliteCheckpointStore(join(dataDir, 'checkpoints.sqlite'));
    const stores = { logId, store, index, checkpoints, close: async () => undefined };
    const cpu0 = processCpu();
    const t0 = performance.now();
    const host = await runProcessors(config, stores, {});
    for (;;) {
      // as a health check would ask (the processors answer between batches; a 25 ms poll made the
      // status counts a large share of what was measured)
      await new Promise((r) => setTimeout(r, 250));
      const statuses = await Promise.all(host.processors.map((p: { status(): unknown }) => p.status()));
      if (statuses.every((s: { lag?: number | string }) => s.lag !== undefined && Number(s.lag) === 0)) break;
    }
    const cpu = processCpu() - cpu0;
    const wallMs = performance.now() - t0;
    await host.stop();
    index.close();
    await checkpoints.close();
    await store.close();
    return { build, events, cpuUsPerEntry: (cpu / ENTRIES) * 1e6, wallMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await child(process.argv[3]!)) + '\n');
    process.exit(0);
  }
  console.log(`processors' CPU per registration: ${ENTRIES} entries, ${ROUNDS} rounds, builds alternated`);
  console.log('| round | build | CPU per entry (µs) | catch-up wall (ms) |');
  console.log('|---:|---|---:|---:|');
  const all = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const build of BUILDS) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', build], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 24 });
      const r = JSON.parse(out.trim().split('\n').pop()!) as RunResult;
      all.set(build, [...(all.get(build) ?? []), r.cpuUsPerEntry]);
      console.log(`| ${round} | ${build} | ${r.cpuUsPerEntry.toFixed(0)} | ${r.wallMs.toFixed(0)} |`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(all.get(BUILDS[0]!)!);
  for (const build of BUILDS) {
    const m = median(all.get(build)!);
    console.log(`${build}: median ${m.toFixed(0)} µs per entry (${(m / base).toFixed(2)} × ${BUILDS[0]})`);
  }
}

await main();
