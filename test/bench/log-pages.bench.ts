/**
 * `node dist/test/bench/log-pages.bench.js [service-root]` — serving log pages of large entries.
 *
 * Starts the service (`<service-root>/dist/src/main.js`, default this checkout) in a child process,
 * registers BENCH_ENTRIES statements of ~1 MB, then runs BENCH_PAGES concurrent
 * `GET /log/entries?start=0&limit=1000` (bodies read and discarded, not parsed) while probing
 * `/health` every 10 ms. Prints the page sizes and times and the /health latency (p50, p99, max).
 * Passing another checkout's root (e.g. main before byte-bounded pages) gives the baseline.
 * Options (env): BENCH_ENTRIES (default 60), BENCH_PAGES (default 4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { untilHealthy } from './register.load.js';
import { register } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 60);
const PAGES = Number(process.env.BENCH_PAGES ?? 4);
const serviceRoot = process.argv[2] ?? new URL('../../..', import.meta.url).pathname;

async function start(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', join(serviceRoot, 'dist/src/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0', READ_RATE_LIMIT_PER_MINUTE: '0', LOG_ID: 'bench', OCI_PUBLISHER: 'off' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return untilHealthy(child, port, 300);
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-pages-'));
  const port = await freePort();
  const child = await start(dataDir, port);
  const url = `http://127.0.0.1:${port}`;
  try {
    const issuer = await makeIssuer('https://bench.example');
    for (let i = 0; i < ENTRIES; i++) {
      const s = await signStatement(issuer, { sub: subjectOf(i + 1), payload: randomBytes(750_000).toString('base64'), contentType: 'application/octet-stream', x5chain: issuer.certificate });
      const res = await register(url, s);
      if (res.status !== 201) throw new Error(`registration ${i}: HTTP ${res.status}`);
      await res.arrayBuffer();
    }
    let busy = true;
    const pages = Promise.all(
      Array.from({ length: PAGES }, async () => {
        const t = performance.now();
        const res = await fetch(`${url}/log/entries?start=0&limit=1000`);
        let bytes = 0;
        for await (const c of res.body!) bytes += (c as Uint8Array).length;
        return { status: res.status, bytes, ms: performance.now() - t };
      }),
    ).finally(() => (busy = false));
    const health: number[] = [];
    while (busy) {
      const t = performance.now();
      const r = await fetch(`${url}/health`);
      await r.arrayBuffer();
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 10));
    }
    const served = await pages;
    health.sort((a, b) => a - b);
    console.log(`log pages: ${serviceRoot}; ${ENTRIES} entries of ~1 MB; ${PAGES} concurrent GET /log/entries?start=0&limit=1000`);
    for (const p of served) console.log(`  page: HTTP ${p.status}, ${(p.bytes / 2 ** 20).toFixed(1)} MiB in ${p.ms.toFixed(0)} ms`);
    console.log(`  /health meanwhile: ${health.length} probes, p50 ${pct(health, 50).toFixed(1)} ms, p99 ${pct(health, 99).toFixed(1)} ms, max ${health.at(-1)!.toFixed(1)} ms`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
