/**
 * `BENCH_NODES=3 npm run bench:register` — registration throughput of N service nodes on one
 * PostgreSQL store (NODE_ROLE=auto, one leader, the others handing admitted entries to it), with
 * the load spread evenly over the nodes, next to ONE node on the same store in the same run.
 *
 * Prints registrations/s and CPU per registration (from /proc) for all nodes together, for the
 * leader, and for each follower — so where verification runs is visible (docs/benchmarks.md).
 * BENCH_BASELINE=<another checkout, built> also runs the N nodes of that build in the same run
 * (alternating with this one's, BENCH_ROUNDS times, default 2) and prints this build's figures as
 * ratios of the baseline's:
 * e.g. `BENCH_BASELINE=/tmp/base BENCH_NODES=3 BENCH_STORE=postgres npm run bench:register`.
 * Options: BENCH_NODES (default 3), BENCH_SECONDS (10), BENCH_CONNECTIONS (64, split over the nodes),
 * POSTGRES_URL (default 127.0.0.1:5432). Each run uses its own schema, dropped afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createPostgresJsDriver } from '../../libs/event-store/src/postgres.driver.js';
import { statCpuSeconds } from '../../src/metrics/thread-cpu.js';
import { freePort } from '../support/ports.js';
import { benchStatements } from './register.load.js';

const NODES = Number(process.env.BENCH_NODES ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const root = new URL('../../..', import.meta.url).pathname;
const BASELINE = process.env.BENCH_BASELINE;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const cpuOf = (pid: number): number => statCpuSeconds(`/proc/${pid}/stat`) ?? NaN;

interface Files {
  readonly policyFile: string;
  readonly keyFile: string;
  readonly secretFile: string;
}

async function startNodes(n: number, dir: string, schema: string, files: Files, tree: string): Promise<{ urls: string[]; children: ChildProcess[] }> {
  const urls: string[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const dataDir = join(dir, `${schema}-n${i}`);
    mkdirSync(dataDir, { recursive: true });
    const env = {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, POLICY_FILE: files.policyFile, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', LOG_ID: 'bench',
      EVENT_STORE: 'postgres', POSTGRES_URL, POSTGRES_SCHEMA: schema, NODE_ROLE: 'auto', NODE_ID: `n${i}`, SERVICE_KEY_FILE: files.keyFile, SERVICE_ISSUER: 'https://bench.test',
      NODE_SECRET_FILE: files.secretFile, // (a build before the hand-over ignores it)
    };
    children.push(spawn(process.execPath, [join(tree, 'dist/src/main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'] }));
    urls.push(`http://127.0.0.1:${port}`);
    if (i === 0) await waitReady(urls[0]!); // the first one leads
  }
  for (const u of urls) await waitReady(u);
  return { urls, children };
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

function load(url: string, bodies: Uint8Array[], from: { next: number }, connections: number, seconds: number): Promise<{ ok: number; other: number }> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${url}/entries`, method: 'POST', headers: { 'content-type': 'application/cose' }, connections, duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, body: Buffer.from(bodies[from.next++ % bodies.length]!) }) }] },
      (err, r) => (err ? reject(err) : resolve({ ok: r['2xx'], other: r.non2xx + r.errors })),
    );
  });
}

interface RunResult {
  readonly label: string;
  readonly per: number;
  readonly rate: number;
  readonly other: number;
  /** µs of CPU per acknowledged registration: all nodes, the leader (node 0), each follower */
  readonly all: number;
  readonly leader: number;
  readonly followers: number[];
}

let runs = 0;

async function run(n: number, dir: string, bodies: Uint8Array[], cursor: { next: number }, files: Files, tree: string, label: string): Promise<RunResult> {
  const schema = `bench_nodes_${process.pid}_${++runs}_${n}_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}`.slice(0, 40); // and the nodes' data directories
  const { urls, children } = await startNodes(n, dir, schema, files, tree);
  try {
    const per = Math.max(1, Math.floor(CONNECTIONS / n));
    await Promise.all(urls.map((u) => load(u, bodies, cursor, per, 2))); // warm-up
    await new Promise((r) => setTimeout(r, 2000));
    const cpu0 = children.map((c) => cpuOf(c.pid!));
    const t0 = performance.now();
    const rs = await Promise.all(urls.map((u) => load(u, bodies, cursor, per, SECONDS)));
    const secs = (performance.now() - t0) / 1000;
    const cpu = children.map((c, i) => cpuOf(c.pid!) - cpu0[i]!);
    const ok = rs.reduce((s, r) => s + r.ok, 0);
    const us = (sec: number): number => Math.round((sec / Math.max(1, ok)) * 1e6);
    return { label, per, rate: ok / secs, other: rs.reduce((s, r) => s + r.other, 0), all: us(cpu.reduce((a, b) => a + b, 0)), leader: us(cpu[0]!), followers: cpu.slice(1).map(us) };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    const d = createPostgresJsDriver({ connectionString: POSTGRES_URL, poolSize: 1 });
    await d.script(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await d.end();
  }
}

function mean(rs: RunResult[]): RunResult {
  const avg = (f: (r: RunResult) => number): number => Math.round(rs.reduce((s, r) => s + f(r), 0) / rs.length);
  return { ...rs[0]!, label: 'this build', rate: rs.reduce((s, r) => s + r.rate, 0) / rs.length, other: avg((r) => r.other), all: avg((r) => r.all), leader: avg((r) => r.leader), followers: rs[0]!.followers.map((_, i) => avg((r) => r.followers[i]!)) };
}

function line(r: RunResult, n: number, base?: RunResult): string {
  const ratio = (a: number, b: number | undefined): string => (b ? ` (×${(a / b).toFixed(2)})` : '');
  const followers = r.followers.length ? `; followers ${r.followers.map((f, i) => `${f} µs${ratio(f, base?.followers[i])}`).join(', ')}` : '';
  return `${r.label}, ${n} node${n === 1 ? ' ' : 's'} (${r.per} connections each): ${r.rate.toFixed(0)} registrations/s${ratio(r.rate, base?.rate)} (non-2xx/errors ${r.other}); ` +
    `CPU per registration: all nodes ${r.all} µs${ratio(r.all, base?.all)}, leader ${r.leader} µs${ratio(r.leader, base?.leader)}${followers}`;
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-bench-nodes-'));
  const loadBefore = loadavg().map((l) => l.toFixed(1)).join(' ');
  try {
    // Each run has its own schema: the cursor may wrap from one run to the next, not within one.
    const { policyFile, bodies } = await benchStatements(dir, Math.ceil(SECONDS * 4000) + 10000);
    const keyFile = join(dir, 'service-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const secretFile = join(dir, 'node-secret');
    writeFileSync(secretFile, randomBytes(48).toString('base64'), { mode: 0o600 });
    const files = { policyFile, keyFile, secretFile };
    const cursor = { next: 0 };
    const one = await run(1, dir, bodies, cursor, files, root, 'this build');
    // With a baseline: alternate baseline / this build ROUNDS times (drift of a shared machine hits both).
    const bases: RunResult[] = [];
    const mine: RunResult[] = [];
    for (let round = 0; round < (BASELINE ? ROUNDS : 1); round++) {
      if (BASELINE) bases.push(await run(NODES, dir, bodies, cursor, files, BASELINE, 'baseline'));
      mine.push(await run(NODES, dir, bodies, cursor, files, root, 'this build'));
    }
    console.log(`\nregistration benchmark, several nodes on PostgreSQL (synchronous_commit=on; NODE_ROLE=auto; loopback; ${SECONDS} s; load average before: ${loadBefore}, after: ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    console.log(`  ${line(one, 1)}`);
    for (let i = 0; i < mine.length; i++) {
      if (bases[i]) console.log(`  ${line(bases[i]!, NODES)}   [round ${i + 1}; BENCH_BASELINE=${BASELINE}]`);
      console.log(`  ${line(mine[i]!, NODES, bases[i])}${bases[i] ? `   [round ${i + 1}; ratios: this build / baseline]` : ''}`);
    }
    if (bases.length > 1) console.log(`  mean of ${bases.length} rounds: ${line(mean(mine), NODES, mean(bases))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
