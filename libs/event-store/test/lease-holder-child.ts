/**
 * A lease holder to be stopped (run by postgres.lease.int.spec.ts): takes the lease `<name>` of
 * `<schema>` and proves it every `<heartbeatMs>` (1: statements back to back, so a SIGSTOP lands
 * in the middle of one as often as it can), printing `held` once it holds it. The parent stops it
 * with SIGSTOP at a random moment and kills it later.
 *
 * Usage: `lease-holder-child <url> <schema> <name> <ttlMs> <heartbeatMs>`.
 */
import { PostgresLease } from '../src/postgres.lease.js';

const [connectionString, schema, name, ttl, heartbeat] = process.argv.slice(2);
if (!connectionString || !schema || !name || !ttl || !heartbeat) throw new Error('usage: lease-holder-child <url> <schema> <name> <ttlMs> <heartbeatMs>');
const lease = new PostgresLease({ connectionString, schema, name, nodeId: `child-${process.pid}`, url: `http://child-${process.pid}.test`, ttlMs: Number(ttl), heartbeatMs: Number(heartbeat) });
while (!(await lease.tryAcquire())) await new Promise((r) => setTimeout(r, 20));
process.stdout.write('held\n');
setInterval(() => undefined, 60_000); // stays until killed
