/**
 * The projections' own SQLite file (`data/projections.sqlite` by default): every projection's
 * rows, and its state `(name, version, position)` in the same file, so one transaction moves both.
 *
 * Commit points of {@link ProjectionStore.applyBatch} (what a crash at each step leaves behind):
 * 1. inside the transaction, rows written, position not yet written — nothing is visible; SQLite
 *    rolls the transaction back on restart; the events are re-delivered (position unchanged).
 * 2. COMMIT returned — rows and position are stored together; a restart resumes after the
 *    position; a re-delivered event at or before it is skipped. So the effect is exactly once
 *    although delivery is at-least-once.
 * The file is WAL with synchronous=NORMAL: a power loss may lose the last batches here, never
 * in the event store, and they are re-applied from the stored position. It is opened with
 * `locking_mode=EXCLUSIVE`: one process writes a projection at a time (a second service on the
 * same data directory, or `npm run projections:rebuild` while the service runs, fails at open).
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { CheckpointStore, RecordedEvent } from '../../libs/event-store/src/index.js';
import { decodeRecordedEvent, isLedgerEventType, logStream } from '../../libs/ledger/src/index.js';
import type { Projection, ProjectionApplier, ProjectedEvent } from './projection.port.js';

export class ProjectionError extends Error {
  constructor(
    readonly code: 'ERR_PROJECTION_LOCKED' | 'ERR_PROJECTION_UNKNOWN' | 'ERR_PROJECTION_APPLY',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProjectionError';
  }
}

export interface ProjectionState {
  readonly name: string;
  readonly version: number;
  /** the store position of the last event applied; undefined before the first */
  readonly position: bigint | undefined;
  /** events applied since the last (re)build */
  readonly events: number;
  /** when the projection was last (re)built from the start */
  readonly rebuiltAt: string;
}

/** Failure injection for tests: runs inside the batch's transaction, after its rows, before its position. */
export type AfterRowsHook = (projection: string, events: readonly ProjectedEvent[]) => void;

export interface ProjectionStoreOptions {
  readonly path: string;
  /** only events of stream `log-<logId>` are projected */
  readonly logId: string;
  readonly projections: readonly Projection[];
  /** hold an exclusive lock on the file (default true) */
  readonly exclusive?: boolean;
  readonly afterRows?: AfterRowsHook;
  readonly clock?: () => Date;
  /** SQLite page cache in KiB (default 65536) */
  readonly cacheKiB?: number;
}

interface StateRow {
  name: string;
  version: number;
  position: string | null;
  events: number;
  rebuilt_at: string;
}

export class ProjectionStore {
  readonly db: Db;
  private readonly stream: string;
  private readonly projections = new Map<string, Projection>();
  private readonly appliers = new Map<string, ProjectionApplier>();
  private readonly q: Record<'get' | 'put' | 'advance', Statement>;
  private readonly listeners = new Set<(name: string) => void>();
  private readonly clock: () => Date;
  /** versions found different from the code's at open (rebuilt from the start) */
  readonly rebuilt: string[] = [];

  constructor(private readonly o: ProjectionStoreOptions) {
    this.stream = logStream(o.logId);
    this.clock = o.clock ?? (() => new Date());
    this.db = new Database(o.path, { timeout: 2000 });
    try {
      if (o.exclusive !== false) this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // Checkpoint the WAL every ≈ 40 MB instead of SQLite's 4 MB: the projections' index pages are
      // rewritten by most batches, and a checkpoint copies each distinct page once, so a longer
      // interval copies fewer pages per event (the checkpoint was ≈ 9 % of the processors' thread
      // under load; bench:processors 0.97× CPU, 0.92× catch-up time — docs/benchmarks.md, fifth pass)
      this.db.pragma('wal_autocheckpoint = 10000');
      // 64 MiB page cache: at 10⁵ entries the indexes outgrow the 2 MiB default and a rebuild
      // slows down several-fold on cache misses (docs/benchmarks.md#query-projections)
      this.db.pragma(`cache_size = -${o.cacheKiB ?? 65536}`);
      this.db.exec(`CREATE TABLE IF NOT EXISTS projection_state (
        name TEXT PRIMARY KEY, version INTEGER NOT NULL, position TEXT, events INTEGER NOT NULL, rebuilt_at TEXT NOT NULL)`);
    } catch (err) {
      this.db.close();
      const busy = (err as { code?: string }).code === 'SQLITE_BUSY';
      throw new ProjectionError(
        busy ? 'ERR_PROJECTION_LOCKED' : 'ERR_PROJECTION_APPLY',
        `couldn't open projections database ${o.path}: ${busy ? 'another process holds it (is the service running? stop it first)' : (err as Error).message}`,
        { cause: err },
      );
    }
    this.q = {
      get: this.db.prepare('SELECT name, version, position, events, rebuilt_at FROM projection_state WHERE name = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO projection_state (name, version, position, events, rebuilt_at) VALUES (?, ?, ?, ?, ?)'),
      advance: this.db.prepare('UPDATE projection_state SET position = ?, events = events + ? WHERE name = ?'),
    };
    for (const p of o.projections) {
      this.projections.set(p.name, p);
      const st = this.q.get.get(p.name) as StateRow | undefined;
      if (!st || st.version !== p.version) {
        if (st) this.rebuilt.push(p.name);
        this.reset(p.name);
      } else {
        this.appliers.set(p.name, p.open(this.db));
      }
    }
  }

  /** Names of the projections kept here. */
  names(): string[] {
    return [...this.projections.keys()];
  }

  state(name: string): ProjectionState {
    this.projection(name);
    const r = this.q.get.get(name) as StateRow;
    return { name: r.name, version: r.version, position: r.position === null ? undefined : BigInt(r.position), events: r.events, rebuiltAt: r.rebuilt_at };
  }

  /** Drops the projection's tables and position in one transaction: the next events rebuild it from the start. */
  reset(name: string): void {
    const p = this.projection(name);
    this.appliers.get(name)?.close?.();
    this.db.transaction(() => {
      for (const t of p.tables) this.db.exec(`DROP TABLE IF EXISTS "${t.replaceAll('"', '""')}"`);
      this.q.put.run(p.name, p.version, null, 0, this.clock().toISOString());
      this.appliers.set(p.name, p.open(this.db));
    })();
  }

  /**
   * Applies the events after the stored position, and the new position, in one transaction.
   * Events of other streams or types only advance the position. Returns how many were new.
   */
  applyBatch(name: string, events: readonly RecordedEvent[]): number {
    return this.applyBatches([name], events).get(name)!;
  }

  /**
   * {@link applyBatch} for several projections in one transaction: each event is decoded once and
   * handed to every projection whose stored position is before it; each projection's position
   * advances with its rows. A throw from any projection rolls the whole batch back (all of them
   * see it again). Returns how many events were new, per projection.
   */
  applyBatches(names: readonly string[], events: readonly RecordedEvent[]): Map<string, number> {
    const targets = names.map((name) => ({ name, projection: this.projection(name), applier: this.appliers.get(name)!, applied: [] as ProjectedEvent[] }));
    const fresh = this.db.transaction(() => {
      for (const t of targets) t.applier.startBatch?.();
      const after = targets.map((t) => {
        const st = this.q.get.get(t.name) as StateRow;
        return st.position === null ? -1n : BigInt(st.position);
      });
      const counts = new Map<string, number>(targets.map((t, i) => [t.name, events.filter((e) => e.position > after[i]!).length]));
      for (const e of events) {
        if (e.stream !== this.stream || !isLedgerEventType(e.type)) continue;
        let pe: ProjectedEvent | undefined;
        targets.forEach((t, i) => {
          if (e.position <= after[i]!) return;
          pe ??= { event: decodeRecordedEvent(e), position: e.position, stream: e.stream, revision: e.revision };
          try {
            t.applier.apply(pe);
          } catch (cause) {
            throw new ProjectionError('ERR_PROJECTION_APPLY', `couldn't apply ${e.type} at position ${e.position} to projection ${t.projection.name}: ${(cause as Error)?.message}`, { cause });
          }
          t.applied.push(pe);
        });
      }
      for (const t of targets) {
        const n = counts.get(t.name)!;
        if (n === 0) continue;
        if (t.applied.length > 0) t.applier.endBatch?.();
        this.o.afterRows?.(t.name, t.applied); // failure injection: a throw here rolls back rows and positions
        this.q.advance.run(String(events[events.length - 1]!.position), n, t.name);
      }
      return counts;
    })();
    for (const t of targets) if (t.applied.length > 0) t.applier.committed?.();
    for (const [name, n] of fresh) if (n > 0) for (const l of this.listeners) l(name);
    return fresh;
  }

  /**
   * A {@link CheckpointStore} view for `runProcessor`: `load` reads the position stored with the
   * rows; `save` has nothing left to do (applyBatch already committed it).
   */
  checkpointStore(): CheckpointStore {
    return {
      load: async (processor) => this.state(this.nameOf(processor)).position,
      save: async () => undefined,
      close: async () => undefined,
    };
  }

  /** The processor name of a projection: `projection:<name>:v<version>`. */
  processorName(name: string): string {
    const p = this.projection(name);
    return `projection:${p.name}:v${p.version}`;
  }

  /** Called after each batch that applied events (read-your-writes waits). */
  onApplied(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }

  private nameOf(processor: string): string {
    const m = /^projection:(.+):v\d+$/.exec(processor);
    return m ? m[1]! : processor;
  }

  private projection(name: string): Projection {
    const p = this.projections.get(name);
    if (!p) throw new ProjectionError('ERR_PROJECTION_UNKNOWN', `couldn't use projection ${JSON.stringify(name)}: not kept in this store`);
    return p;
  }
}
