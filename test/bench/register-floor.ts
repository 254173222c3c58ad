/**
 * The floor in `npm run bench:register`: the same client, bodies, connections and rate against a
 * bare `node:http` server that only answers (test/bench/floor.server.ts), its process's CPU per
 * request. On this 2-core VM a request costs several times more CPU when requests come one at a
 * time to an idle process (paced 1,000/s) than back to back (saturated): each one wakes a sleeping
 * thread on cold caches (docs/benchmarks.md, #17 eleventh pass). The floor shows that cost in the
 * same run as the service's figures, which it bounds from below. `BENCH_FLOOR=0` skips it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statCpuSeconds } from '../../src/metrics/thread-cpu.js';
import { freePort } from '../support/ports.js';
import { load, paced, untilHealthy, type Run } from './register.load.js';

/** bytes of the floor server's 201 body: about a receipt's at the bench's tree sizes */
export const FLOOR_REPLY_BYTES = 700;

export interface Floor {
  readonly pacedUs?: number;
  readonly saturatedUs?: number;
  readonly pacedRun?: Run;
  readonly saturatedRun?: Run;
}

export async function measureFloor(bodies: Uint8Array[], o: { seconds: number; rate: number; connections: number; saturated: boolean }): Promise<Floor> {
  const port = await freePort();
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'floor.server.js');
  const child = await untilHealthy(spawn(process.execPath, [script, String(port), String(FLOOR_REPLY_BYTES)], { stdio: ['ignore', 'inherit', 'inherit'] }), port, 100);
  try {
    const url = `http://127.0.0.1:${port}`;
    const cpu = (): number => statCpuSeconds(`/proc/${child.pid}/stat`) ?? NaN;
    const cursor = { next: 0 };
    await load(url, bodies, cursor, { seconds: 1, connections: o.connections }); // warm-up
    let c0 = cpu();
    const pacedRun = await paced(url, bodies, cursor, { seconds: o.seconds, rate: o.rate, maxInFlight: o.connections });
    const pacedUs = ((cpu() - c0) / pacedRun.total) * 1e6;
    if (!o.saturated) return { pacedUs, pacedRun };
    c0 = cpu();
    const saturatedRun = await load(url, bodies, cursor, { seconds: o.seconds, connections: o.connections });
    const saturatedUs = ((cpu() - c0) / saturatedRun.total) * 1e6;
    return { pacedUs, saturatedUs, pacedRun, saturatedRun };
  } finally {
    child.kill('SIGTERM');
  }
}

/** `floor (…): paced X µs, saturated Y µs per request; the service ×a, ×b`. */
export function floorLine(f: Floor, service: { paced?: number; saturated?: number }, rate: number): string {
  const x = (s: number | undefined, fl: number | undefined): string => (s === undefined || fl === undefined || !Number.isFinite(s / fl) ? '' : ` (the service ×${(s / fl).toFixed(1)})`);
  const parts = [
    f.pacedUs === undefined ? undefined : `paced ${rate.toLocaleString('en')}/s ${f.pacedUs.toFixed(0)} µs${x(service.paced, f.pacedUs)}`,
    f.saturatedUs === undefined ? undefined : `saturated ${f.saturatedRun!.rps.toFixed(0)}/s ${f.saturatedUs.toFixed(0)} µs${x(service.saturated, f.saturatedUs)}`,
  ].filter(Boolean);
  return `floor, a bare node:http server answering the same requests (201, ${FLOOR_REPLY_BYTES}-byte body), CPU per request: ${parts.join('; ')}`;
}
