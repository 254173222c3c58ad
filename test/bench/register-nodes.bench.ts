/**
 * `BENCH_NODES=3 npm run bench:register` — registration throughput of N service nodes on one
 * PostgreSQL store (NODE_ROLE=auto, one leader, the others forwarding), with the load spread evenly
 * over the nodes, next to ONE node on the same store in the same run (the baseline).
 *
 * Prints registrations/s and CPU per registration summed over every node process (from /proc), so
 * the cost of the hand-over (a follower verifies, then the leader verifies again) is visible.
 * Options: BENCH_NODES (default 3), BENCH_SECONDS (10), BENCH_CONNECTIONS (64, split over the nodes),
 * POSTGRES_URL (default 127.0.0.1:5432). Each run uses its own schema, dropped afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createPostgresJsDriver } from '../../libs/event-store/src/postgres.driver.js';
import { freePort } from '../support/ports.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const NODES = Number(process.env.BENCH_NODES ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const root = new URL('../../..', import.meta.url).pathname;

const cpuOf = (pid: number): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
};

async function startNodes(n: number, dir: string, schema: string, policyFile: string, keyFile: string): Promise<{ urls: string[]; children: ChildProcess[] }> {
  const urls: string[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const dataDir = join(dir, `${schema}-n${i}`);
    mkdirSync(dataDir, { recursive: true });
    const env = {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, POLICY_FILE: policyFile, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', LOG_ID: 'bench',
      EVENT_STORE: 'postgres', POSTGRES_URL, POSTGRES_SCHEMA: schema, NODE_ROLE: 'auto', NODE_ID: `n${i}`, SERVICE_KEY_FILE: keyFile, SERVICE_ISSUER: 'https://bench.test',
    };
    children.push(spawn(process.execPath, [join(root, 'dist/src/main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'] }));
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

async function run(n: number, dir: string, bodies: Uint8Array[], cursor: { next: number }, policyFile: string, keyFile: string): Promise<string> {
  const schema = `bench_nodes_${process.pid}_${n}`;
  const { urls, children } = await startNodes(n, dir, schema, policyFile, keyFile);
  try {
    const per = Math.max(1, Math.floor(CONNECTIONS / n));
    await Promise.all(urls.map((u) => load(u, bodies, cursor, per, 2))); // warm-up
    await new Promise((r) => setTimeout(r, 2000));
    const cpu0 = children.map((c) => cpuOf(c.pid!));
    const t0 = performance.now();
    const rs = await Promise.all(urls.map((u) => load(u, bodies, cursor, per, SECONDS)));
    const secs = (performance.now() - t0) / 1000;
    const cpu = children.reduce((s, c, i) => s + cpuOf(c.pid!) - cpu0[i]!, 0);
    const ok = rs.reduce((s, r) => s + r.ok, 0);
    const other = rs.reduce((s, r) => s + r.other, 0);
    return `${n} node${n === 1 ? ' ' : 's'} (${per} connections each): ${(ok / secs).toFixed(0)} registrations/s (non-2xx/errors ${other}); CPU per registration, all nodes: ${Math.round((cpu / Math.max(1, ok)) * 1e6)} µs`;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    const d = createPostgresJsDriver({ connectionString: POSTGRES_URL, poolSize: 1 });
    await d.script(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await d.end();
  }
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-bench-nodes-'));
  try {
    const issuer = await makeIssuer('https://ci.bench.example', 'ES256');
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
    const keyFile = join(dir, 'service-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const count = Math.ceil(SECONDS * 4000) + 10000;
    process.stdout.write(`pre-signing ${count} distinct ES256 statements … `);
    const bodies: Uint8Array[] = [];
    for (let i = 0; i < count; i++) bodies.push(await signStatement(issuer, { sub: subjectOf(i), payload: `{"build":${i},"pad":"${'x'.repeat(1200)}"}` }));
    console.log('done');
    const cursor = { next: 0 };
    const one = await run(1, dir, bodies, cursor, policyFile, keyFile);
    const many = await run(NODES, dir, bodies, cursor, policyFile, keyFile);
    console.log(`\nregistration benchmark, several nodes on PostgreSQL (synchronous_commit=on; NODE_ROLE=auto; loopback; ${SECONDS} s; one shared, noisy 2-core machine)`);
    console.log(`  ${one}`);
    console.log(`  ${many}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
