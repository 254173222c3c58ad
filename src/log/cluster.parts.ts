/**
 * Builds this node's {@link LogNode} from the configuration: one node (NODE_ROLE=single, the
 * default: a sequencer, no lease) or one of several on PostgreSQL (NODE_ROLE=auto|follower: the
 * sequencer lease, a follower that keeps this node's index, a forwarder that hands admitted
 * entries to the leader's internal endpoint).
 */
import { PostgresLease, type EventStore } from '../../libs/event-store/src/index.js';
import { logStream } from '../../libs/ledger/src/index.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { LeaderForwarder } from './leader-forwarder.js';
import { LogFollower } from './log-follower.js';
import type { LogIndexStore } from './log-index.store.js';
import { LogNode } from './log-node.js';
import type { Sequencer } from './sequencer.js';
import type { HandoverSettings } from './node-credential.js';

export interface ClusterDeps {
  readonly store: EventStore;
  readonly index: LogIndexStore;
  readonly logId: string;
  readonly newSequencer: () => Sequencer;
  readonly onLead: (sequencer: Sequencer) => Promise<void>;
  /** NODE_ROLE=auto: told when this node starts and stops leading (LogNodeOptions.onLeading) */
  readonly onLeading?: (leading: boolean) => void;
  /** the node credential and policy digest (NODE_ROLE=auto|follower) */
  readonly handover?: HandoverSettings;
}

/** The URL other nodes reach this one at: NODE_URL, else http://HOST:PORT. */
export function advertisedUrl(config: ServiceConfig): string {
  if (config.node.url) return config.node.url;
  if (config.port === 0) throw new Error(`couldn't advertise this node: NODE_ROLE=${config.node.mode} needs NODE_URL or a fixed PORT (not 0)`);
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

export function clusterParts(config: ServiceConfig, deps: ClusterDeps): LogNode {
  const { mode, id } = config.node;
  if (mode === 'single') return new LogNode({ mode, nodeId: id, url: () => config.node.url ?? config.issuer, newSequencer: deps.newSequencer, onLead: deps.onLead });
  if (config.eventStore.kind !== 'postgres') throw new Error(`couldn't start a node of several: NODE_ROLE=${mode} needs EVENT_STORE=postgres`);
  if (!deps.handover) throw new Error(`couldn't start a node of several: NODE_ROLE=${mode} needs the node credential (NODE_SECRET_FILE)`);
  const url = advertisedUrl(config);
  const lease = new PostgresLease({
    connectionString: config.eventStore.connectionString,
    schema: config.eventStore.schema,
    name: `log-${deps.logId}`,
    nodeId: id,
    url,
    ttlMs: config.node.leaseTtlMs,
    onLost: (why) => node.lost(why), // called only once the node holds the lease
    testLossNoticeDelayMs: config.node.testLeaseLossNoticeDelayMs,
  });
  const follower = new LogFollower({ store: deps.store, index: deps.index, logId: deps.logId, stream: logStream(deps.logId) });
  const forwarder = new LeaderForwarder({
    nodeId: id,
    leader: (fresh) => node.leader(fresh),
    follower,
    index: deps.index,
    timeoutMs: Math.max(config.registerWaitMs, 5000),
    credential: deps.handover.credential,
    policyDigest: deps.handover.policyDigest,
  });
  const node: LogNode = new LogNode({ mode, nodeId: id, url: () => url, newSequencer: deps.newSequencer, onLead: deps.onLead, follower, forwarder, lease, leaseRetryMs: config.node.leaseRetryMs, onLeading: deps.onLeading });
  return node;
}
