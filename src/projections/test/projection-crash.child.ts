/**
 * Child process of projection.crash.int.spec.ts: runs the claims projection live over a SQLite
 * event store shared with the parent, which SIGKILLs it at random moments. It widens the window
 * between "rows written" and COMMIT (a synchronous sleep inside the transaction) and reports on
 * stdout (synchronous for pipes on Linux) when it enters and leaves that window, so the parent
 * can tell where each kill landed.
 * Usage: node projection-crash.child.js <events.sqlite> <projections.sqlite> <logId>
 */
import { openSqliteEventStore, runProcessor } from '../../../libs/event-store/src/index.js';
import { claimsProjection } from '../claims.projection.js';
import { ProjectionStore } from '../projection.store.js';

const [eventsPath, projectionsPath, logId] = process.argv.slice(2);
if (!eventsPath || !projectionsPath || !logId) throw new Error('usage: projection-crash.child.js <events.sqlite> <projections.sqlite> <logId>');
const store = await openSqliteEventStore({ path: eventsPath, worker: false, pollIntervalMs: 20 });
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const ps = new ProjectionStore({
  path: projectionsPath,
  logId,
  projections: [claimsProjection],
  afterRows: (_name, events) => {
    process.stdout.write(`in-tx ${events.length}\n`);
    Atomics.wait(sleeper, 0, 0, 3); // rows written, COMMIT not yet: the window a kill should hit
  },
});
ps.onApplied(() => process.stdout.write(`committed ${ps.state('claims').position}\n`));
runProcessor({
  store,
  checkpoints: ps.checkpointStore(),
  name: ps.processorName('claims'),
  filter: { streamPrefixes: [`log-${logId}`] },
  batchSize: 20,
  lingerMs: 1,
  handle: async (events) => void ps.applyBatch('claims', events),
});
process.stdout.write('ready\n');
