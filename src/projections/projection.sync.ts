/**
 * Read-your-writes for projection queries: waits until the claims projection has applied every
 * entry the log held when the query arrived (the log index's checkpointed size), for at most
 * `maxWaitMs`; if it is still behind then, the query fails with 503 + Retry-After rather than
 * answer from a state older than a receipt the client may already hold.
 */
import { unavailable } from '../common/problem.js';
import type { LogIndexStore } from '../log/log-index.store.js';
import type { ClaimsReader } from './claims.reader.js';
import type { ProjectionStore } from './projection.store.js';

export class ProjectionSync {
  constructor(
    private readonly index: LogIndexStore,
    private readonly projections: ProjectionStore,
    private readonly reader: ClaimsReader,
    readonly maxWaitMs = 2000,
  ) {}

  /** Resolves once the projection covers the log's current size; throws a 503 problem after `maxWaitMs`. */
  async awaitLog(): Promise<void> {
    const target = this.index.checkpoint()?.treeSize ?? 0;
    if (this.reader.size() >= target) return;
    const reached = await new Promise<boolean>((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        off();
        resolve(ok);
      };
      const off = this.projections.onApplied(() => {
        if (this.reader.size() >= target) finish(true);
      });
      const timer = setTimeout(() => finish(this.reader.size() >= target), this.maxWaitMs);
    });
    if (!reached) {
      throw unavailable(`the claims projection has not yet reached log size ${target} (it is at ${this.reader.size()}); retry shortly`, 1, 'ERR_PROJECTION_BEHIND');
    }
  }
}
