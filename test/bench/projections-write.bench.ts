/**
 * `npm run bench:projections-write` — what the query projections' write costs per registration, by
 * batch size: `ProjectionStore.applyBatches` over the service's projections (claims and content),
 * the transaction the processors' thread runs for each batch of events it reads. In one run: CPU
 * per entry (this thread: decoding, SQLite, the kernel's share of its syscalls), the time the
 * statements and the COMMIT took, and the WAL frames (b-tree pages) per entry by b-tree, with the
 * ratio of each build's cost to the first build's.
 *
 * Events look like `bench:register`'s registrations: one issuer, ≈ 1.5 KB statements, random
 * 64-hex entry ids, a distinct collection subject each. Each run is a child process on a fresh file:
 * BENCH_FILL entries first (default 20,000: the b-trees at a realistic depth, in batches of 256 as
 * the processors' thread batches under load), then automatic checkpoints off and BENCH_MEASURE
 * entries (default 6,000) in batches of each size, measured.
 *
 * `BENCH_BUILDS=<dist dir>,<dist dir>` alternates builds (an A/B in one run; default: this build);
 * BENCH_BATCHES (default `5,64`: a paced and a saturated service's batches), BENCH_ROUNDS (default 3);
 * BENCH_SUBJECTS=n: the claims are about n collections in turn (1: all about one, each superseding
 * the one before, as in `bench:register`).
 * What it showed: docs/benchmarks.md ("Issue #17, ninth pass").
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILDS = (process.env.BENCH_BUILDS ?? here).split(',').filter(Boolean);
const BATCHES = (process.env.BENCH_BATCHES ?? '5,64').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FILL = Number(process.env.BENCH_FILL ?? 20_000);
const MEASURE = Number(process.env.BENCH_MEASURE ?? 6_000);
/** distinct subjects the claims are about, round robin (default: one each; 1: every claim about one collection, as bench:register signs) */
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 0);
if (BATCHES.some((b) => !Number.isInteger(b) || b < 1)) throw new Error(`BENCH_BATCHES=${process.env.BENCH_BATCHES}: expected positive integers separated by commas`);

interface RunResult {
  readonly cpuUs: number;
  readonly sqlUs: number;
  readonly commitUs: number;
  readonly frames: number;
  readonly byTree: Record<string, number>;
}

async function child(build: string, batch: number): Promise<RunResult> {
  const { default: Database } = await import('better-sqlite3');
  const { ProjectionStore } = await import(join(build, 'src/projections/projection.store.js'));
  const { PROJECTIONS } = await import(join(build, 'src/projections/projections.feature.js'));
  const { encodeEventData, toStoredEvent } = await import(join(build, 'libs/ledger/src/index.js'));
  const { encodeCbor, encodeSign1 } = await import(join(build, 'libs/cose/src/index.js'));
  // time per statement: wrapped on the prototype better-sqlite3's statements share
  let sqlNs = 0n;
  let commitNs = 0n;
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  for (const m of ['run', 'get', 'all']) {
    const original = proto[m]!;
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      const t = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const d = process.hrtime.bigint() - t;
        if (this.source === 'COMMIT') commitNs += d;
        else sqlNs += d;
      }
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'scitt-projections-write-'));
  try {
    const path = join(dir, 'projections.sqlite');
    const ps = new ProjectionStore({ path, logId: 'bench', projections: PROJECTIONS, exclusive: false });
    const names = PROJECTIONS.map((p: { name: string }) => p.name);
    const protectedBytes = encodeCbor(new Map<number, unknown>([[1, -7], [3, 'application/json']]));
    let position = 0n;
    const event = (i: number) => {
      const payload = new TextEncoder().encode(`{"build":${i},"pad":"${'x'.repeat(1200)}"}`);
      const entry = encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature: randomBytes(64) }, { tagged: true });
      const data = {
        type: 'EntryRegistered', index: i, entryId: createHash('sha256').update(entry).digest('hex'), leafHash: createHash('sha256').update(entry).digest(), entry,
        iss: 'https://ci.example', sub: `registry.example/app@sha256:${createHash('sha256').update(`subject ${SUBJECTS > 0 ? i % SUBJECTS : i}`).digest('hex')}`,
        contentType: 'application/json', kid: 'bench-key', registeredAt: new Date(1.7e12 + i).toISOString(),
      };
      position++;
      // as the service stores it (a build from before toStoredEvent: JSON)
      const stored = toStoredEvent ? toStoredEvent(data) : { data: encodeEventData(data), contentType: 'application/json' };
      return { type: 'EntryRegistered', ...stored, position, stream: 'log-bench', revision: Number(position) - 1, recordedAt: new Date() };
    };
    const events = (from: number, n: number) => Array.from({ length: n }, (_, k) => event(from + k));
    let next = 0;
    for (; next < FILL; next += 256) ps.applyBatches(names, events(next, 256));
    ps.db.pragma('wal_checkpoint(TRUNCATE)');
    ps.db.pragma('wal_autocheckpoint = 0');
    const batches = Array.from({ length: Math.ceil(MEASURE / batch) }, (_, k) => events(next + k * batch, batch));
    const n = batches.length * batch;
    sqlNs = 0n;
    commitNs = 0n;
    const cpu0 = process.cpuUsage();
    for (const b of batches) ps.applyBatches(names, b);
    const cpu = process.cpuUsage(cpu0);
    // the WAL's frames by b-tree: each frame's page number, named by dbstat
    const wal = readFileSync(`${path}-wal`);
    const pageSize = wal.readUInt32BE(8);
    const trees = new Map((ps.db.prepare('SELECT pageno, name FROM dbstat').all() as { pageno: number; name: string }[]).map((r) => [r.pageno, r.name]));
    const byTree: Record<string, number> = {};
    let frames = 0;
    for (let o = 32; o + 24 + pageSize <= wal.length; o += 24 + pageSize) {
      const name = trees.get(wal.readUInt32BE(o)) ?? 'other';
      byTree[name] = (byTree[name] ?? 0) + 1 / n;
      frames++;
    }
    ps.close();
    return { cpuUs: (cpu.user + cpu.system) / n, sqlUs: Number(sqlNs) / 1000 / n, commitUs: Number(commitNs) / 1000 / n, frames: frames / n, byTree };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await child(process.argv[3]!, Number(process.argv[4]))) + '\n');
    return;
  }
  console.log(`projections' write (ProjectionStore.applyBatches, claims + content): ${FILL} entries first, then ${MEASURE} measured per run; ${ROUNDS} rounds, builds alternated`);
  const runs = new Map<string, RunResult[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const batch of BATCHES) {
      for (const build of BUILDS) {
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', build, String(batch)], { encoding: 'utf8', maxBuffer: 1 << 24 });
        const r = JSON.parse(out.trim().split('\n').pop()!) as RunResult;
        const key = `${batch}\u0000${build}`;
        runs.set(key, [...(runs.get(key) ?? []), r]);
        console.log(`  round ${round}, batch of ${batch}, ${build}: ${r.cpuUs.toFixed(0)} µs CPU per entry, ${r.frames.toFixed(2)} WAL frames per entry`);
      }
    }
  }
  for (const batch of BATCHES) {
    console.log(`batch of ${batch} (medians of ${ROUNDS}):`);
    const base = median(runs.get(`${batch}\u0000${BUILDS[0]}`)!.map((r) => r.cpuUs));
    for (const build of BUILDS) {
      const rs = runs.get(`${batch}\u0000${build}`)!;
      const cpu = median(rs.map((r) => r.cpuUs));
      const last = rs[rs.length - 1]!;
      const trees = Object.entries(last.byTree).sort((a, b) => b[1] - a[1]).map(([t, f]) => `${t} ${f.toFixed(2)}`).join(', ');
      console.log(
        `  ${build}: ${cpu.toFixed(0)} µs CPU per entry (${(cpu / base).toFixed(2)} × ${BUILDS[0]}); statements ${median(rs.map((r) => r.sqlUs)).toFixed(1)} µs, ` +
          `COMMIT ${median(rs.map((r) => r.commitUs)).toFixed(1)} µs; WAL frames per entry ${median(rs.map((r) => r.frames)).toFixed(2)}: ${trees}`,
      );
    }
  }
}

await main();
