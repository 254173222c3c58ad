/**
 * Read-your-writes for projection queries: waits until the claims projection has applied every
 * entry the log held when the query arrived (the log index's checkpointed size), for at most
 * `maxWaitMs`; if it is still behind then, the query fails with 503 + Retry-After rather than
 * answer from a state older than a receipt the client may already hold.
 */
import { unavailable } from '../common/problem.js';
import type { LogIndexStore } from '../log/log-index.store.js';
import type { ClaimsReader } from './claims.reader.js';

export class ProjectionSync {
  constructor(
    private readonly index: LogIndexStore,
    private readonly reader: Pick<ClaimsReader, 'size'>,
    readonly maxWaitMs = 2000,
    /** how often a waiting query looks again (the writer runs in another thread) */
    readonly pollMs = 2,
    /** which projection, for the 503's words */
    private readonly what = 'claims',
  ) {}

  /** Resolves once the projection covers the log's current size; throws a 503 problem after `maxWaitMs`. */
  async awaitLog(): Promise<void> {
    const target = this.index.checkpoint()?.treeSize ?? 0;
    const deadline = performance.now() + this.maxWaitMs;
    while (this.reader.size() < target) {
      if (performance.now() >= deadline) {
        throw unavailable(`the ${this.what} projection has not yet reached log size ${target} (it is at ${this.reader.size()}); retry shortly`, 1, 'ERR_PROJECTION_BEHIND');
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}
