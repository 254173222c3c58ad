import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** the fewest ports a range must hold to be used (random picks rarely meet) */
const MIN_WIDTH = 2_000;

/**
 * Ports a test may hand to a server it starts: a range outside the kernel's ephemeral ports.
 *
 * Why: a port the kernel picked for `listen(0)` and that was released is an ephemeral port, and
 * until the server that was told to use it binds it, any outgoing connection on the machine may be
 * given it as its source port (the suite makes thousands) — the server then exits with EADDRINUSE.
 * Seen in a fresh-clone run (a restarted cluster node). Ports outside `ip_local_port_range` are
 * never assigned automatically, so only another explicit bind can take one, and each pick is
 * random in a range of thousands and checked by a bind of our own.
 */
export function testPortRange(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): { from: number; to: number } | undefined {
  let low: number;
  let high: number;
  try {
    [low, high] = readFileSync(rangeFile, 'utf8').trim().split(/\s+/).map(Number) as [number, number];
  } catch {
    return undefined; // not Linux: the kernel's own pick
  }
  if (!Number.isInteger(low) || !Number.isInteger(high)) return undefined;
  // below the ephemeral range if there is room there (the default range starts at 32768), else above it
  if (low - 10_000 >= MIN_WIDTH) return { from: 10_000, to: low - 1 };
  if (65_535 - high >= MIN_WIDTH) return { from: high + 1, to: 65_535 };
  return undefined;
}

const range = testPortRange();
const handedOut = new Set<number>();

/** Binds `port` on 127.0.0.1 and releases it: the port is free now (kernel's pick for 0). */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err)));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const addr = s.address();
      const got = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(got));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server a test starts: random in {@link testPortRange}, checked
 * by binding it, never the same twice in one process; the kernel's pick where there is no such range.
 * `random`: for tests.
 */
export async function freePort(random: () => number = Math.random): Promise<number> {
  if (range) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const port = range.from + Math.floor(random() * (range.to - range.from + 1));
      if (handedOut.has(port)) continue;
      const got = await tryPort(port);
      if (got !== undefined) {
        handedOut.add(got);
        return got;
      }
    }
  }
  const got = await tryPort(0);
  if (got === undefined) throw new Error("couldn't get a free port from the kernel");
  return got;
}
