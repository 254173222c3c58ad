/**
 * Query handlers on the log itself (the sequencer's log index): checkpoints, inclusion and
 * consistency proofs, log replay. Sizes beyond the log are 400; sizes inside it without a
 * checkpoint are 404 where a checkpoint is needed.
 */
import type { Readable } from 'node:stream';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Checkpoint } from '../../libs/ledger/src/index.js';
import { consistencyProof, EphemeralHashes, hashLeaf, inclusionProof, MerkleError, rootAt, type NodeReader } from '../../libs/merkle/src/index.js';
import { malformed, notFound } from '../common/problem.js';
import { LogIndexStore } from '../log/log-index.store.js';
import {
  GetCheckpoint,
  GetConsistencyProof,
  GetInclusionProof,
  GetLogEntries,
  ListCheckpoints,
  type CheckpointsPage,
  type ConsistencyProofResult,
  type InclusionProofResult,
} from './auditor.queries.js';
import { logEntriesStream } from './log-entries.stream.js';

/** The log's size: every entry in the index is covered by a checkpoint (they are written together). */
function logSize(index: LogIndexStore): number {
  return index.checkpoint()?.treeSize ?? 0;
}

function withinLog(index: LogIndexStore, size: number, name: string): void {
  const n = logSize(index);
  if (size > n) throw malformed(`${name}=${size} is beyond the log (${n} entries)`, 'ERR_BEYOND_LOG');
}

/** Merkle argument errors are the client's (400); anything else is ours. */
function proofProblem(err: unknown): unknown {
  if (err instanceof MerkleError && err.code !== 'ERR_MERKLE_NODE_READ') return malformed(err.message, err.code, err);
  return err;
}

@QueryHandler(GetCheckpoint)
export class GetCheckpointHandler implements IQueryHandler<GetCheckpoint, Checkpoint> {
  constructor(private readonly index: LogIndexStore) {}

  async execute(q: GetCheckpoint): Promise<Checkpoint> {
    if (q.treeSize !== undefined) withinLog(this.index, q.treeSize, 'treeSize');
    const cp = this.index.checkpoint(q.treeSize);
    if (!cp) throw notFound(q.treeSize === undefined ? 'the log has no checkpoint yet' : `no checkpoint was signed at tree size ${q.treeSize}`);
    return cp;
  }
}

@QueryHandler(ListCheckpoints)
export class ListCheckpointsHandler implements IQueryHandler<ListCheckpoints, CheckpointsPage> {
  constructor(private readonly index: LogIndexStore) {}

  async execute(q: ListCheckpoints): Promise<CheckpointsPage> {
    const rows = this.index.checkpoints(q.after, q.limit + 1);
    const items = rows.slice(0, q.limit);
    return { items, next: rows.length > q.limit ? items.at(-1)!.treeSize : null };
  }
}

@QueryHandler(GetInclusionProof)
export class GetInclusionProofHandler implements IQueryHandler<GetInclusionProof, InclusionProofResult> {
  /** the right edge's ephemeral nodes, hashed once per tree size rather than once per proof */
  private readonly ephemeral = new EphemeralHashes();

  constructor(private readonly index: LogIndexStore) {}

  /**
   * A hot path: checkpoints from memory, and one SQLite statement for the rest (the path's nodes
   * below the cached levels — one tile —, the leaf hash and the entry id at the leaf's index:
   * `LogIndexStore.proofNodes`). Every index below the log's size holds an entry (entries and
   * their checkpoint are written together), so an index needs no read to be found; an entry id's
   * likely index (the id lookup's candidate, read from nothing) is confirmed by the entry id the
   * proof's statement reads, and only a mismatch — a candidate of another id with the same first
   * 32 bits, or none yet — asks for the index and builds the proof again.
   */
  async execute(q: GetInclusionProof): Promise<InclusionProofResult> {
    const size = logSize(this.index);
    const treeSize = q.treeSize ?? size;
    const askedId = 'entryId' in q.entry ? q.entry.entryId : undefined;
    const askedIndex = 'index' in q.entry ? q.entry.index : undefined;
    let at: number | undefined;
    let confirmed = askedId === undefined;
    if (askedIndex !== undefined) at = askedIndex < size ? askedIndex : undefined;
    else if (askedId !== undefined) {
      at = this.index.likelyIndexOf(askedId);
      // errors answer as for the confirmed index: not held (404) before a tree size beyond the log
      if (at === undefined || at >= treeSize || treeSize > size) {
        at = this.index.indexOf(askedId);
        confirmed = true;
      }
    }
    for (;;) {
      if (at === undefined) throw notFound(askedId !== undefined ? `no entry ${askedId} in this log` : `no entry at index ${askedIndex} in this log`);
      const proof = await this.proofAt(at, treeSize, askedId);
      if (askedId === undefined || proof.entryId === askedId) return proof;
      if (confirmed) throw new Error(`the log index holds entry ${proof.entryId} at index ${at}, where its id lookup found ${askedId}`);
      at = this.index.indexOf(askedId);
      confirmed = true;
    }
  }

  /** The inclusion proof of the entry at `at` in the tree of `treeSize`; `entryId`: the id asked for, if any (for messages). */
  private async proofAt(at: number, treeSize: number, entryId: string | undefined): Promise<InclusionProofResult> {
    withinLog(this.index, treeSize, 'treeSize');
    if (at >= treeSize) throw malformed(`entry ${entryId ?? this.index.entryIdAt(at)} has index ${at}: it is not in the tree of size ${treeSize}`, 'ERR_NOT_IN_TREE');
    const checkpoint = this.index.checkpoint(treeSize);
    let leafHash: Uint8Array | undefined;
    let atId: string | undefined;
    const reader: NodeReader = {
      getNodes: async (ids) => {
        const r = this.index.proofNodes(ids, at, true);
        leafHash = r.leafHash;
        atId = r.entryId;
        return r.hashes;
      },
    };
    let path: Uint8Array[];
    let root: Uint8Array;
    try {
      path = await inclusionProof(reader, at, treeSize, undefined, this.ephemeral);
      root = checkpoint?.root ?? (await rootAt(this.index, treeSize));
    } catch (err) {
      throw proofProblem(err);
    }
    // a tree of one leaf has an empty path: nothing was read
    atId ??= this.index.entryIdAt(at);
    if (atId === undefined) throw notFound(`no entry at index ${at} in this log`);
    leafHash ??= this.index.leafHash(at) ?? hashLeaf(this.index.entryBytes(atId)!);
    return { entryId: atId, leafIndex: at, treeSize, leafHash, root, path, checkpoint };
  }
}

@QueryHandler(GetConsistencyProof)
export class GetConsistencyProofHandler implements IQueryHandler<GetConsistencyProof, ConsistencyProofResult> {
  constructor(private readonly index: LogIndexStore) {}

  async execute(q: GetConsistencyProof): Promise<ConsistencyProofResult> {
    const to = q.to ?? logSize(this.index);
    if (q.from === 0) throw malformed('from=0: there is no consistency proof from the empty tree (RFC 9162)', 'ERR_MERKLE_EMPTY_TREE');
    if (q.from > to) throw malformed(`from=${q.from} is greater than to=${to}`, 'ERR_MERKLE_SIZE_ORDER');
    withinLog(this.index, to, 'to');
    const checkpoint = this.index.checkpoint(to);
    try {
      const path = await consistencyProof(this.index, q.from, to);
      const root1 = this.index.checkpoint(q.from)?.root ?? (await rootAt(this.index, q.from));
      const root2 = checkpoint?.root ?? (await rootAt(this.index, to));
      return { from: q.from, to, root1, root2, path, checkpoint };
    } catch (err) {
      throw proofProblem(err);
    }
  }
}

@QueryHandler(GetLogEntries)
export class GetLogEntriesHandler implements IQueryHandler<GetLogEntries, Readable> {
  constructor(private readonly index: LogIndexStore) {}

  async execute(q: GetLogEntries): Promise<Readable> {
    const size = logSize(this.index);
    if (q.start > size) throw malformed(`start=${q.start} is beyond the log (${size} entries)`, 'ERR_BEYOND_LOG');
    // Stop at the size read above, so a page never runs past the checkpoint the caller can see.
    return logEntriesStream(this.index, { start: q.start, limit: q.limit, size, maxBytes: q.maxBytes });
  }
}
