import { Controller, Get, Query } from '@nestjs/common';
import { onlyParams, type RawQuery } from '../auditor/query-params.js';
import { ProblemError } from '../common/problem.js';
import { LogNode } from '../log/log-node.js';
import type { SequencerStatus } from '../log/sequencer.js';

/**
 * Health for load balancers and orchestrators (docs/operations.md#health):
 * - liveness (`/health/live`, and `/health` as before): the process answers HTTP. A failing
 *   liveness check means "restart me"; a store outage never fails it (restarting would not help).
 * - readiness (`/health/ready`): registrations can be sequenced now. 503 while the sequencer is
 *   starting, reloading, recovering from a failure (append, signing, reload, another writer, a
 *   full disk) or shutting down; it comes back by itself once a recovery attempt succeeds.
 *   With several nodes (NODE_ROLE=auto|follower), the leader is ready as above; a follower is
 *   ready while it follows the store and knows a leader to hand registrations to (reads are served
 *   either way; docs/operations.md).
 */
@Controller()
export class HealthController {
  constructor(private readonly sequencer: LogNode) {}

  @Get('/health')
  health(@Query() q: RawQuery): { status: 'ok' } {
    onlyParams(q, []);
    return { status: 'ok' };
  }

  @Get('/health/live')
  live(@Query() q: RawQuery): { status: 'ok' } {
    onlyParams(q, []);
    return { status: 'ok' };
  }

  @Get('/health/ready')
  ready(@Query() q: RawQuery): { status: 'ready'; sequencer: Pick<SequencerStatus, 'state' | 'ready'> } {
    onlyParams(q, []);
    const s = this.sequencer.status();
    if (!s.ready) {
      // The failure's code and timing, not its message: this route is open even when reads need a
      // credential (src/auth/access.gate.ts); the message is on /health/details.
      const why = s.failure
        ? `the sequencer is recovering from ${s.failure.code} (attempt ${s.failure.attempts} since ${s.failure.since}, next at ${s.failure.nextAttemptAt}; the reason is on /health/details)`
        : `the sequencer is ${s.state}`;
      const retryAfter = s.failure ? Math.max(1, Math.ceil((Date.parse(s.failure.nextAttemptAt) - Date.now()) / 1000)) : 1;
      throw new ProblemError(503, 'Service Unavailable', `not ready: ${why}`, 'ERR_NOT_READY', { 'retry-after': String(retryAfter) });
    }
    return { status: 'ready', sequencer: { state: s.state, ready: s.ready } };
  }
}
