/**
 * Read transactions shared by a turn of the event loop, for the log index's writer
 * (log-index.store.ts). On a WAL file a statement outside a transaction takes and drops a read
 * lock of its own (the shared lock and a read mark in the wal-index: ≈ 5–7 µs a statement on the
 * development machine, as much as the read itself). From the second hot read (proofs, receipts,
 * `indexOf`) in one turn, {@link share} opens a read transaction that the turn's later reads share,
 * and `setImmediate` ends it; a lone read stays on its own. Every write on the connection calls
 * {@link end} first: a write is never held in it, and a read after a write sees it.
 *
 * Only for the file's writer: no other connection writes the file, so a turn's snapshot is the file
 * as it is; another instance (the processors' thread's) would miss the writer's batches for the
 * rest of a turn.
 */
import type { Database as Db, Statement } from 'better-sqlite3';

export class SharedReads {
  private readsThisTurn = 0;
  private open = false;
  private readonly begin: Statement;
  private readonly commit: Statement;

  constructor(private readonly db: Db) {
    this.begin = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
  }

  /** Before a hot read. */
  share(): void {
    if (this.open) return;
    if (this.readsThisTurn++ === 0) {
      setImmediate(this.endTurn);
      return;
    }
    if (this.db.inTransaction || !this.db.open) return;
    this.begin.run();
    this.open = true;
  }

  /** Before a write on the connection, and before it closes. */
  end(): void {
    if (!this.open) return;
    this.open = false;
    if (this.db.open) this.commit.run();
  }

  private readonly endTurn = (): void => {
    this.readsThisTurn = 0;
    this.end();
  };
}
