/**
 * The parts of `bench:register` that drive the service (register.bench.ts; its A/B mode,
 * register-ab.ts): starting it, the bare verify rate, the closed-loop (autocannon), open-loop
 * (paced) and one-at-a-time loads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';
import { percentile } from './register-registry.js';

/**
 * The benches' subjects when no registry is involved: `sha256:<i>` (consecutive digests, the
 * default: every subject-keyed b-tree of the projections and the publisher is appended at its end),
 * or with BENCH_SUBJECTS=random a random-looking digest each, as a real log's collections are (each
 * such b-tree written at a random page).
 */
export function benchSubjectOf(): (i: number) => string {
  const mode = process.env.BENCH_SUBJECTS ?? 'consecutive';
  if (mode === 'consecutive') return subjectOf;
  if (mode !== 'random') throw new Error(`BENCH_SUBJECTS=${mode}: expected consecutive or random`);
  return (i) => `registry.example/app@sha256:${createHash('sha256').update(`bench subject ${i}`).digest('hex')}`;
}

/**
 * The benches' publisher: one ES256 issuer, registered by a production policy written to
 * `<dir>/policy.json`, and `count` distinct statements it signed (statement i about `subjectAt(i)`,
 * ≈ 1.5 KB each), pre-signed before any load so that signing costs the load nothing.
 */
export async function benchStatements(dir: string, count: number, subjectAt: (i: number) => string = benchSubjectOf()): Promise<{ policyFile: string; bodies: Uint8Array[] }> {
  const issuer = await makeIssuer('https://ci.bench.example', 'ES256');
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
  process.stdout.write(`pre-signing ${count} distinct ES256 statements … `);
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < count; i++) bodies.push(await signStatement(issuer, { sub: subjectAt(i), payload: `{"build":${i},"pad":"${'x'.repeat(1200)}"}` }));
  console.log(`done (${bodies[0]!.length} bytes each)`);
  return { policyFile, bodies };
}

export async function bareVerifyRate(ms: number): Promise<number> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.alloc(1200, 7);
  const sig = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < end) {
        await new Promise<void>((resolve, reject) =>
          verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig, (err, ok) => (err || !ok ? reject(err ?? new Error('bad')) : resolve())),
        );
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

/** `NAME=value` pairs separated by spaces (BENCH_SERVICE_ENV, each side of BENCH_AB), for the service's process only. */
export function envPairs(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(' ').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${what}: expected NAME=value pairs separated by spaces, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** BENCH_NODE_ARGS: flags for the service's node, space-separated (bench:register, bench:scale). */
export const benchNodeArgs = (): string[] => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** The service (`service`: its main.js) on `port` with `dataDir`, BENCH_NODE_ARGS and `nodeArgs` for node; resolves once /health answers. */
export async function startService(o: { service: string; dataDir: string; port: number; policyFile: string; env: Record<string, string>; nodeArgs?: readonly string[] }): Promise<ChildProcess> {
  const nodeArgs = [...benchNodeArgs(), ...(o.nodeArgs ?? [])];
  const port = o.port;
  const child = spawn(process.execPath, [...nodeArgs, o.service], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: o.dataDir, POLICY_FILE: o.policyFile, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', LOG_ID: 'bench', ...o.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return untilHealthy(child, port, 1200);
}

/** Resolves with `child` once its /health answers on `port` (polled every 100 ms, `tries` times); kills it otherwise. */
export async function untilHealthy(child: ChildProcess, port: number, tries: number): Promise<ChildProcess> {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the service did not start');
}

export interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly total: number;
}

export function load(url: string, bodies: Uint8Array[], from: { next: number }, opts: { seconds: number; connections: number; rate?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/entries`,
        method: 'POST',
        headers: { 'content-type': 'application/cose' },
        connections: opts.connections,
        duration: opts.seconds,
        ...(opts.rate ? { overallRate: opts.rate } : {}),
        requests: [
          {
            setupRequest: (req) => {
              const body = bodies[from.next++ % bodies.length]!;
              return { ...req, body: Buffer.from(body) };
            },
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err);
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, total: r['2xx'] });
      },
    );
  });
}

export const tenths = (ms: number): number => Math.round(ms * 10) / 10;

/** One POST /entries; status 0 when the request failed (no answer). */
function postStatement(agent: Agent, host: string, port: string, statement: Uint8Array): Promise<{ status: number; location: string }> {
  const body = Buffer.from(statement);
  return new Promise((resolve) => {
    const req = request({ agent, host, port, method: 'POST', path: '/entries', headers: { 'content-type': 'application/cose', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') }));
    });
    req.on('error', () => resolve({ status: 0, location: '' }));
    req.end(body);
  });
}

/** Open-loop load at `rate` req/s for `seconds` (see the module comment); latencies from the due time. */
export async function paced(
  url: string,
  bodies: Uint8Array[],
  from: { next: number },
  opts: { seconds: number; rate: number; maxInFlight: number; onCreated?: (i: number, location: string, at: number) => void },
): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxInFlight });
  const { hostname, port } = new URL(url);
  const total = Math.round(opts.seconds * opts.rate);
  const latencies = new Float64Array(total);
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const start = performance.now() + 50;
  const one = async (i: number): Promise<void> => {
    const due = start + (i * 1000) / opts.rate;
    const n = from.next++;
    const { status, location } = await postStatement(agent, hostname, port, bodies[n % bodies.length]!);
    latencies[i] = performance.now() - due;
    if (status === 0) errors++;
    else if (status >= 200 && status < 300) ok++;
    else non2xx++;
    if (status === 201 && opts.onCreated) opts.onCreated(n, location, Date.now());
  };
  const all: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / opts.rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    all.push(one(i));
  }
  await Promise.all(all);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return { rps: total / elapsed, p50: tenths(percentile(sorted, 0.5)), p99: tenths(percentile(sorted, 0.99)), non2xx, errors, total: ok };
}

/**
 * One client registering one statement at a time (a CI pipeline's step): the latency a lone
 * publisher sees, which the sequencer's linger must not add to (sequencer.queue.ts `lingerLeft`).
 */
export async function serial(url: string, bodies: Uint8Array[], from: { next: number }, count: number): Promise<{ p50: number; p99: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  const latencies: number[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const { status } = await postStatement(agent, hostname, port, bodies[from.next++ % bodies.length]!);
    latencies.push(performance.now() - t);
    if (status !== 201) failed++;
  }
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: tenths(percentile(sorted, 0.5)), p99: tenths(percentile(sorted, 0.99)), failed };
}
