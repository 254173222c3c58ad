/**
 * The real log index (its own SQLite file) whose batch writes can be made to fail, as a full disk
 * or an I/O error would make them: the write throws and the file keeps what it had (SQLite rolls
 * the transaction back).
 */
import { LogIndexStore, type BatchRecord } from '../../src/log/log-index.store.js';

export class FailingLogIndexStore extends LogIndexStore {
  private failures = 0;
  /** batch writes attempted (failed ones included) */
  writeCalls = 0;

  /** Fail the next `times` batch writes (default: until {@link heal}). */
  failWrites(o: { times?: number } = {}): void {
    this.failures = o.times ?? Infinity;
  }

  heal(): void {
    this.failures = 0;
  }

  override writeBatch(b: BatchRecord): void {
    this.writeCalls++;
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error("couldn't write to the log index: database or disk is full (injected)"), { code: 'SQLITE_FULL' });
    }
    super.writeBatch(b);
  }
}
