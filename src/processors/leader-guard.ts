/**
 * The publishers' fence with several nodes: before a batch is sent, the node checks that it still
 * holds the sequencer lease (one query: the lease row names this node and its session holds the
 * lock). The lease itself lives on the HTTP thread (log-node.ts) and tells the publishers to stop
 * when it is lost; this check covers the time until they have stopped — a leader paused (SIGSTOP,
 * a VM pause) and replaced, running again, would otherwise publish what it had in hand and more
 * until it noticed. A refused check fails the batch before anything is sent (the processor retries
 * it with backoff until it is stopped).
 */
import postgres from 'postgres';
import { holderQuery, leaseKey } from '../../libs/event-store/src/index.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { sharedStateOf } from '../infrastructure/stores.js';

export interface LeaderGuard {
  /** resolves when this node holds the lease; rejects (ERR_NOT_LEADER) when another node, or none, does */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** The guard of a node of several (NODE_ROLE=auto|follower); undefined for a single node. */
export function openLeaderGuard(config: ServiceConfig, logId: string): LeaderGuard | undefined {
  const shared = sharedStateOf(config);
  if (!shared) return undefined;
  const me = config.node.id;
  const q = holderQuery(shared.schema, leaseKey(shared.schema, `log-${logId}`)); // the lease's name: cluster.parts.ts
  const sql = postgres(shared.connectionString, { max: 1, onnotice: () => undefined, connect_timeout: 10, connection: { application_name: `scitt-ledger guard ${me}`.slice(0, 63) } });
  return {
    async check() {
      const [row] = await sql.unsafe(q, [], { simple: true });
      const holder = row?.node_id as string | undefined;
      if (holder !== me) {
        throw Object.assign(new Error(`node ${me} no longer holds the sequencer lease (${holder ? `node ${holder} does` : 'nobody does'}): not publishing`), { code: 'ERR_NOT_LEADER' });
      }
    },
    close: () => sql.end({ timeout: 2 }).catch(() => undefined),
  };
}
