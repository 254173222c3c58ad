/**
 * The follower's {@link EntrySink}: it hands an admitted entry to the leader and answers once this
 * node's own index holds it, so that what a client registered here it can read here.
 *
 * The hand-over (docs/operations.md, "The hand-over"): this node already authenticated the
 * submitter, verified the signature and checked the policy, rules and content; it POSTs the entry
 * bytes (the statement with an empty unprotected header, whose entry id is the same) to the
 * leader's internal `POST /_cluster/entries`, signed with the cluster's node credential
 * (node-credential.ts: HMAC over the body, the issuer key id it verified with, the digest of its
 * policy and a timestamp). The leader checks the credential and what is cheap, and sequences the
 * entry without verifying the signature again: verification spreads over the followers. The
 * submitter's own credential never leaves this node. The leader answers the same receipt bytes as
 * for a registration sent to it.
 *
 * Failures are bounded: no leader, a leader that refuses with 503, cannot be reached, or refuses
 * this node (401: another NODE_SECRET_FILE; 409: another policy — both logged as configuration
 * errors) ⇒ look the leader up again and retry until `timeoutMs`, then a retryable 503
 * (registration is idempotent). Another 4xx is the leader's answer to the entry, passed on as is.
 */
import { Logger } from '@nestjs/common';
import type { AdmittedEntry } from '../../libs/ledger/src/index.js';
import type { LeaseHolder } from '../../libs/event-store/src/index.js';
import { decodeProblem, ProblemError } from '../common/problem.js';
import type { EntrySink } from './entry-sink.js';
import type { LogFollower } from './log-follower.js';
import type { LogIndexStore } from './log-index.store.js';
import { messageOf, SequencerError } from './sequencer.errors.js';
import type { Registered } from './sequencer.queue.js';
import { HANDOVER_ROUTE, NODE_AUTH, type NodeCredential } from './node-credential.js';

export interface LeaderForwarderOptions {
  readonly nodeId: string;
  /** the current leader (cached by the node; `fresh` asks the store again) */
  readonly leader: (fresh: boolean) => Promise<LeaseHolder | null>;
  readonly follower: LogFollower;
  readonly index: LogIndexStore;
  /** give up handing over after this long (ms) */
  readonly timeoutMs: number;
  /** signs each hand-over (NODE_SECRET_FILE) */
  readonly credential: NodeCredential;
  /** SHA-256 hex of this node's registration policy: the leader refuses entries admitted under another */
  readonly policyDigest: string;
}

export class LeaderForwarder implements EntrySink {
  private readonly logger = new Logger('forwarder');
  /** statements being handed over, by statement id */
  private readonly inFlight = new Map<string, { entryId: string; promise: Promise<Registered> }>();
  private readonly entryIds = new Set<string>();
  forwarded = 0;

  constructor(private readonly o: LeaderForwarderOptions) {}

  get queueLength(): number {
    return this.inFlight.size;
  }

  isPending(entryId: string): boolean {
    return this.entryIds.has(entryId);
  }

  pendingEntryOf(statementId: string): string | undefined {
    return this.inFlight.get(statementId)?.entryId;
  }

  submit(entry: AdmittedEntry): Promise<Registered> {
    const known = this.inFlight.get(entry.statementId);
    if (known) return known.promise;
    const promise = this.handOver(entry).finally(() => {
      this.inFlight.delete(entry.statementId);
      this.entryIds.delete(entry.entryId);
    });
    this.inFlight.set(entry.statementId, { entryId: entry.entryId, promise });
    this.entryIds.add(entry.entryId);
    return promise;
  }

  private async handOver(entry: AdmittedEntry): Promise<Registered> {
    const deadline = Date.now() + this.o.timeoutMs;
    let why = 'no leader holds the lease';
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      const leader = await this.o.leader(attempt > 0).catch((err: unknown) => ((why = `couldn't look the leader up: ${messageOf(err)}`), null));
      if (!leader || leader.nodeId === this.o.nodeId) continue;
      let res: Response;
      const auth = this.o.credential.sign({ nodeId: this.o.nodeId, kid: entry.kid, policyDigest: this.o.policyDigest }, entry.entry, Date.now());
      try {
        res = await fetch(`${leader.url}${HANDOVER_ROUTE}`, {
          method: 'POST',
          body: entry.entry,
          headers: { 'content-type': 'application/cose', [NODE_AUTH]: auth },
          signal: AbortSignal.timeout(Math.max(100, deadline - Date.now())),
        });
      } catch (err) {
        why = `couldn't reach the leader ${leader.nodeId} at ${leader.url}: ${messageOf(err)}`;
        continue;
      }
      const body = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
      if (res.status === 201 || res.status === 303) {
        this.forwarded++;
        return this.registeredHere(entry, (res.headers.get('location') ?? '').split('/').pop() || entry.entryId, deadline);
      }
      if (res.status === 401 || res.status === 409) {
        // The leader refuses this node, not the statement: a configuration error of the cluster.
        why = `the leader ${leader.nodeId} refused this node's hand-over (${res.status}: ${problemDetail(body)})`;
        this.logger.error(`${why}: every node must use the same NODE_SECRET_FILE and POLICY_FILE`);
        continue;
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 421) throw refusedByLeader(res, body);
      why = `the leader ${leader.nodeId} answered ${res.status}${res.status === 503 ? ` (${problemDetail(body)})` : ''}`;
    }
    this.logger.warn(`couldn't hand a statement to the leader within ${this.o.timeoutMs} ms: ${why}`);
    throw new SequencerError('ERR_SEQUENCER_NOT_LEADER', `couldn't hand the statement to the log's leader: ${why}; retry (registration is idempotent)`, { retryAfterSeconds: 1 });
  }

  /** The leader made it durable: wait (bounded) for this node's index, then answer from it. */
  private async registeredHere(entry: AdmittedEntry, entryId: string, deadline: number): Promise<Registered> {
    const has = (): boolean => this.o.index.receipt(entryId) !== undefined;
    await this.o.follower.waitFor(has, Math.max(1000, deadline - Date.now()));
    const known = this.o.index.entryById(entryId);
    const receipt = known && this.o.index.receipt(entryId);
    if (!known || !receipt) {
      throw new SequencerError('ERR_SEQUENCER_NOT_LEADER', `the leader registered entry ${entryId}, but this node's index has not caught up with it yet; retry (registration is idempotent)`, { retryAfterSeconds: 1 });
    }
    return { entryId, index: known.index, treeSize: known.receiptTreeSize, receipt };
  }
}

function problemDetail(body: Uint8Array): string {
  const p = decodeProblem(body);
  return `${p.code} ${p.detail}`.trim().slice(0, 300) || 'no problem details';
}

/** The leader's refusal, passed on: the same status, title, code and detail. */
function refusedByLeader(res: Response, body: Uint8Array): ProblemError {
  const p = decodeProblem(body);
  return new ProblemError(res.status, p.title || 'Refused', `the log's leader refused the statement: ${p.detail || `status ${res.status}`}`, p.code || 'ERR_REFUSED_BY_LEADER');
}
