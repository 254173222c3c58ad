/**
 * Kill -9 between event append and projection update: a child process runs the claims projection
 * live over a SQLite event store while this process keeps appending log batches; the child is
 * SIGKILLed at random moments (several of them inside the window between "rows written" and
 * COMMIT), restarted, and finally left to catch up. The projection must then equal a rebuild from
 * scratch: no lost rows, no doubled rows, no doubled counts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteEventStore, type EventStore } from '../../libs/event-store/src/index.js';
import { CLAIMS_TABLES, claimsProjection } from './claims.projection.js';
import { ClaimsReader } from './claims.reader.js';
import { catchUp } from './projection.runner.js';
import { ProjectionStore } from './projection.store.js';
import { appendLedger, dumpTables, ledgerBatches, prng } from './test/ledger-events.fixture.js';

const CHILD = fileURLToPath(new URL('./test/projection-crash.child.js', import.meta.url));
const LOG = 'crash-log';
const KILLS = 12;

interface Child {
  readonly proc: ChildProcess;
  /** the last line the child printed */
  last: string;
  readonly lines: string[];
  readonly exited: Promise<void>;
}

function startChild(events: string, projections: string): Promise<Child> {
  const proc = spawn(process.execPath, [CHILD, events, projections, LOG], { stdio: ['ignore', 'pipe', 'inherit'] });
  const c: Child = { proc, last: '', lines: [], exited: new Promise((r) => proc.once('exit', () => r())) };
  let buf = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const line of parts) {
        c.last = line;
        c.lines.push(line);
        if (line === 'ready') resolve(c);
      }
    });
    proc.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

describe('projection survives SIGKILL between append and projection update', () => {
  let dir: string;
  let store: EventStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scitt-projection-crash-'));
    store = await openSqliteEventStore({ path: join(dir, 'events.sqlite'), worker: false });
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`no lost or doubled rows after ${KILLS} kills while appends continue`, async () => {
    const rnd = prng(42);
    const batches = [...ledgerBatches({ entries: 4000, batch: 25, seed: 3 })];
    let next = 0;
    let revision = await appendLedger(store, LOG, batches.slice(0, 40), -1);
    next = 40;
    const projections = join(dir, 'projections.sqlite');
    let insideTx = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = await startChild(join(dir, 'events.sqlite'), projections);
      const until = Date.now() + 40 + Math.floor(rnd() * 200);
      while (Date.now() < until) {
        // keep the last 20 batches back, so the last child always has work to catch up on (on a fast
        // machine every batch was appended and projected before the kills ended, and it had none)
        if (next < batches.length - 20 && rnd() < 0.5) revision = await appendLedger(store, LOG, batches.slice(next, ++next), revision);
        await new Promise((r) => setTimeout(r, 5));
      }
      child.proc.kill('SIGKILL');
      await child.exited;
      if (child.last.startsWith('in-tx')) insideTx++;
    }
    if (next < batches.length) revision = await appendLedger(store, LOG, batches.slice(next), revision);
    // Let a last child catch up with everything, then kill it too.
    // the position of the log's last event (a trailing foreign event is filtered out by the child's subscription)
    let head = 0n;
    for await (const e of store.readStream(`log-${LOG}`, { direction: 'backward', maxCount: 1 })) head = e.position;
    const last = await startChild(join(dir, 'events.sqlite'), projections);
    for (let i = 0; i < 3000 && !last.lines.some((l) => l === `committed ${head}`); i++) await new Promise((r) => setTimeout(r, 10));
    last.proc.kill('SIGKILL');
    await last.exited;
    assert.ok(last.lines.includes(`committed ${head}`), 'the last child did not catch up');
    assert.ok(insideTx >= 1, `no kill landed between rows written and COMMIT (${insideTx}/${KILLS}); the test proved less than it claims`);

    const ps = new ProjectionStore({ path: projections, logId: LOG, projections: [claimsProjection] });
    const fresh = new ProjectionStore({ path: join(dir, 'fresh.sqlite'), logId: LOG, projections: [claimsProjection] });
    try {
      assert.equal(ps.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(ps.state('claims').position, head);
      await catchUp(store, fresh, 'claims');
      const live = dumpTables(ps.db, CLAIMS_TABLES);
      assert.equal((live.claims as unknown[]).length, 4000);
      assert.deepEqual(live, dumpTables(fresh.db, CLAIMS_TABLES));
      const stats = new ClaimsReader(ps.db).stats();
      assert.equal(Object.values(stats.issuers).reduce((a, b) => a + b, 0), 4000);
      console.log(`# ${KILLS} kills, ${insideTx} inside the rows-written → COMMIT window; 4000 entries projected exactly once`);
    } finally {
      ps.close();
      fresh.close();
    }
  });
});
