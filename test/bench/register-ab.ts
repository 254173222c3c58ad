/**
 * `BENCH_AB="<A>|<B>" npm run bench:register` — two service configurations (or builds) compared in
 * one run, alternated, so that a change of a few per cent can be told from this VM's drift (runs of
 * the same build here differ by 10 % and more over minutes).
 *
 * Each side is `NAME=value …` for the service's process (as BENCH_SERVICE_ENV); the pseudo-variable
 * `main=<path>` runs another build's main.js (default this tree's dist/src/main.js), and `node=<flags>`
 * passes node (and V8) flags, comma-separated, after BENCH_NODE_ARGS. Examples:
 *   BENCH_AB="|SEQUENCER_LINGER_MS=5"                      the default against a longer linger
 *   BENCH_AB="main=/tmp/base/dist/src/main.js|"           an older build (built checkout) against this one
 *   BENCH_AB="|node=--single-threaded-gc"                  V8 flags NODE_OPTIONS does not take
 * BENCH_AB_ROUNDS pairs (default 4), in the order A B, B A, A B … (so neither side always runs
 * second); every run is a fresh service on a fresh data directory: warm-up, then the measured run,
 * BENCH_AB_MODE=paced (default: open loop at BENCH_RATE, default 1,000/s, for BENCH_SECONDS) or
 * saturated (BENCH_CONNECTIONS closed-loop connections). Prints each run, then per figure the
 * medians, the median of the pairs' ratios B/A, and in how many pairs B was lower.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { benchStatements, envPairs, load, paced, startService, type Run } from './register.load.js';
import { cpuPerRegistration, scrape, serverSideLine } from './service-metrics.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4);
const MODE = process.env.BENCH_AB_MODE ?? 'paced';
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const root = new URL('../../..', import.meta.url).pathname;

interface Side {
  readonly label: string;
  readonly service: string;
  readonly env: Record<string, string>;
  readonly nodeArgs: string[];
}

/** The figures of one run: CPU per registration (µs) by thread, and the client's view. */
interface Figures {
  readonly service: number;
  readonly main: number;
  readonly processors: number;
  readonly rest: number;
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
}
const FIGURES: readonly (keyof Figures)[] = ['service', 'main', 'processors', 'rest', 'p50', 'p99', 'rps'];
const UNIT: Record<keyof Figures, string> = { service: 'µs', main: 'µs', processors: 'µs', rest: 'µs', p50: 'ms', p99: 'ms', rps: '/s' };

function sides(spec: string): [Side, Side] {
  const halves = spec.split('|');
  if (halves.length !== 2) throw new Error(`BENCH_AB=${JSON.stringify(spec)}: expected "<A>|<B>", each side NAME=value pairs (or empty)`);
  return halves.map((text, i) => {
    const { main, node, ...env } = envPairs(text.trim(), `BENCH_AB side ${i === 0 ? 'A' : 'B'}`);
    return { label: text.trim() || '(defaults)', service: main ?? join(root, 'dist/src/main.js'), env, nodeArgs: (node ?? '').split(',').filter(Boolean) };
  }) as [Side, Side];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function once(side: Side, bodies: Uint8Array[], policyFile: string): Promise<{ figures: Figures; serverSide?: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scitt-bench-ab-'));
  const port = await freePort();
  const child = await startService({ service: side.service, dataDir, port, policyFile, env: side.env, nodeArgs: side.nodeArgs });
  const url = `http://127.0.0.1:${port}`;
  const cursor = { next: 0 };
  try {
    await load(url, bodies, cursor, { seconds: 2, connections: CONNECTIONS }); // warm-up
    await new Promise((r) => setTimeout(r, 2000)); // the processors work off the warm-up
    const before = await scrape(child.pid!, url);
    const run: Run = MODE === 'saturated' ? await load(url, bodies, cursor, { seconds: SECONDS, connections: CONNECTIONS }) : await paced(url, bodies, cursor, { seconds: SECONDS, rate: RATE, maxInFlight: CONNECTIONS });
    const after = await scrape(child.pid!, url);
    const cpu = cpuPerRegistration(before.cpu, after.cpu, run.total + run.non2xx);
    if (cpu?.processors === undefined || cpu.rest === undefined) throw new Error('no per-thread CPU (/proc and the service metrics are needed)');
    const figures = { service: cpu.service, main: cpu.main, processors: cpu.processors, rest: cpu.rest, p50: run.p50, p99: run.p99, rps: Math.round(run.rps) };
    return { figures, ...(MODE === 'paced' ? { serverSide: serverSideLine(before.samples, after.samples) } : {}) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  if (MODE !== 'paced' && MODE !== 'saturated') throw new Error(`BENCH_AB_MODE=${MODE}: expected paced or saturated`);
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`BENCH_AB_ROUNDS=${process.env.BENCH_AB_ROUNDS}: expected a positive whole number`);
  const [a, b] = sides(process.env.BENCH_AB!);
  const dir = mkdtempSync(join(tmpdir(), 'scitt-bench-ab-policy-'));
  try {
    // every run is a fresh log: the same statements serve them all
    const { policyFile, bodies } = await benchStatements(dir, Math.ceil(SECONDS * (MODE === 'saturated' ? 4000 : RATE * 1.05)) + 10_000);
    const what = MODE === 'paced' ? `paced ${RATE}/s open loop` : `saturated, ${CONNECTIONS} connections`;
    console.log(`A/B, ${what}, ${SECONDS} s per run, ${ROUNDS} pairs\n  A: ${a.label} (${a.service})\n  B: ${b.label} (${b.service})`);
    const results: { a: Figures; b: Figures }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order: ['a' | 'b', Side][] = r % 2 === 0 ? [['a', a], ['b', b]] : [['b', b], ['a', a]];
      const pair: Partial<Record<'a' | 'b', Figures>> = {};
      for (const [name, side] of order) {
        const { figures: f, serverSide } = await once(side, bodies, policyFile);
        pair[name] = f;
        console.log(`  ${r + 1}${name.toUpperCase()}  CPU per registration ${f.service} µs (main ${f.main}, processors ${f.processors}, rest ${f.rest})  ${f.rps}/s  p50 ${f.p50} ms  p99 ${f.p99} ms`);
        if (serverSide) console.log(`      ${serverSide.replace(/\n\s*/g, '\n      ')}`);
      }
      results.push({ a: pair.a!, b: pair.b! });
    }
    console.log('\n  figure        median A    median B    B/A (median of pairs)   B lower in');
    for (const k of FIGURES) {
      const ratios = results.map((p) => p.b[k] / p.a[k]);
      const lower = results.filter((p) => p.b[k] < p.a[k]).length;
      const cell = (x: number): string => `${+x.toFixed(1)} ${UNIT[k]}`.padEnd(12);
      console.log(`  ${k.padEnd(12)}  ${cell(median(results.map((p) => p.a[k])))}${cell(median(results.map((p) => p.b[k])))}${median(ratios).toFixed(3).padEnd(24)}${lower} of ${results.length}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
