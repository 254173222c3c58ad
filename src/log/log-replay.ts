/**
 * Rebuilding the sequencer's state, in two steps kept apart:
 *  1. {@link checkIndex}: the log index's snapshot (right edge, last checkpoint, events applied)
 *     must be consistent in itself and describe this event store — a replaced or restored store,
 *     or an index of another log, is refused here.
 *  2. {@link replayStream}: the events beyond the snapshot are read, re-verified (entry bytes vs
 *     leaf hash and entry id, every checkpoint root vs the recomputed root) and written to the
 *     index batch by batch.
 * Both throw {@link LogIntegrityError} when the data contradict themselves: start-up refuses to
 * serve, and a running sequencer keeps refusing writes (and retrying) until an operator acts.
 */
import { bytesEqual } from '../../libs/cose/src/index.js';
import { hashLeaf } from '../../libs/merkle/src/index.js';
import { decodeEventData, evolve, LogIntegrityError, planOf, stateAfter, type EntryRegistered, type LedgerEvent, type LogState } from '../../libs/ledger/src/index.js';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/index.js';
import { integrateBatch } from './batch-integrator.js';
import type { LogIndexStore } from './log-index.store.js';
import { entryIdOfEntry } from './statement-id.js';

const REBUILD = 'delete log-index.sqlite to rebuild it from the event store';

/** Step 1: the index's snapshot as a log state, after checking it against itself and against the store. */
export async function checkIndex(index: LogIndexStore, store: EventStore, stream: string, logId: string): Promise<LogState> {
  const applied = index.appliedEvents();
  const range = index.range();
  const cp = index.checkpoint();
  const indexedLog = index.getMeta('logId');
  if (indexedLog !== undefined && indexedLog !== logId) throw new LogIntegrityError(`the log index belongs to log ${indexedLog}, not ${logId}; ${REBUILD}`);
  if (indexedLog === undefined) index.setMeta('logId', logId);
  if (cp && (cp.treeSize !== range.size || !bytesEqual(cp.root, range.root()))) {
    throw new LogIntegrityError(`the log index is inconsistent: checkpoint ${cp.treeSize} does not match its own tree of ${range.size} entries; ${REBUILD}`);
  }
  const edge = rightEdgeMismatch(index, range);
  if (edge) throw new LogIntegrityError(`the log index is inconsistent: its stored tree node ${edge} differs from its right edge at ${range.size} entries; ${REBUILD}`);
  if (applied > 0) {
    // The snapshot must describe this store: its last applied event must exist, and if it is a
    // checkpoint, be the very checkpoint the index holds (a replaced or restored store is caught here).
    let last: LedgerEvent | undefined;
    for await (const ev of store.readStream(stream, { from: applied - 1, maxCount: 1 })) last = decodeEventData(ev.type, ev.data);
    if (!last) throw new LogIntegrityError(`the log index has applied ${applied} events but stream ${stream} holds fewer: the event store was replaced or restored; ${REBUILD}`);
    if (last.type === 'CheckpointSigned' && (!cp || last.treeSize !== cp.treeSize || !bytesEqual(last.root, cp.root))) {
      throw new LogIntegrityError(`the log index's checkpoint differs from the event store's at revision ${applied - 1}; ${REBUILD}`);
    }
  }
  return { size: range.size, range, lastCheckpoint: cp ?? null, events: applied };
}

/**
 * The right edge (the roots of the perfect subtrees covering the log, largest first) must be the
 * stored nodes at those places: popcount(size) reads tie the node table to the snapshot, hence to
 * the checked checkpoint. Returns the first node that differs or is missing, as "(level, index)".
 */
function rightEdgeMismatch(index: LogIndexStore, range: LogState['range']): string | undefined {
  const { size, hashes } = range.state();
  let start = 0;
  let i = 0;
  for (let level = 52; level >= 0 && start < size; level--) {
    const width = 2 ** level;
    if (size - start < width) continue;
    const at = start / width;
    const stored = index.node(level, at);
    if (!stored || !bytesEqual(stored, hashes[i]!)) return `(${level}, ${at})`;
    start += width;
    i++;
  }
  return undefined;
}

/**
 * Step 2: fold the stream beyond `state` into the state and the index (the index is written
 * batch by batch, so an interrupted replay resumes where it stopped). Returns the new state and
 * how many entries were replayed.
 */
export async function replayStream(store: EventStore, index: LogIndexStore, stream: string, from: LogState): Promise<{ state: LogState; replayed: number }> {
  const folder = new LogFolder(index, stream, from);
  let replayed = 0;
  for await (const ev of store.readStream(stream, { from: from.events })) replayed += await folder.apply(ev);
  folder.finish();
  return { state: folder.state, replayed };
}

/**
 * The incremental form of the replay, one event at a time (a follower feeds it from its
 * subscription): entries wait until their checkpoint, which is verified against the recomputed
 * root; then the batch is written to the index and {@link LogFolder.state} moves on.
 */
export class LogFolder {
  private batch: EntryRegistered[] = [];

  constructor(
    private readonly index: LogIndexStore,
    private readonly stream: string,
    /** the state after the last complete batch or service event: what the index holds */
    public state: LogState,
  ) {}

  /** The revision the next event must have. */
  get nextRevision(): number {
    return this.state.events + this.batch.length;
  }

  /** Drops a batch in progress (a follower that restarts its subscription reads it again). */
  reset(): void {
    this.batch = [];
  }

  /** Folds one event of the stream; returns how many entries it made durable in the index (0 until a checkpoint). */
  async apply(ev: RecordedEvent): Promise<number> {
    const stream = this.stream;
    if (ev.revision !== this.nextRevision) {
      throw new LogIntegrityError(`stream ${stream} revision ${ev.revision} does not follow ${this.nextRevision - 1}`);
    }
    const event = decodeEventData(ev.type, ev.data);
    if (event.type === 'EntryRegistered') {
      // Recompute what the event claims about its bytes: the root check then covers the entries.
      if (!bytesEqual(hashLeaf(event.entry), event.leafHash) || entryIdOfEntry(event.entry) !== event.entryId) {
        throw new LogIntegrityError(`stream ${stream} revision ${ev.revision}: entry ${event.index}'s bytes do not match its leaf hash or entry id`);
      }
      this.batch.push(event);
      return 0;
    }
    if (event.type === 'CheckpointSigned') {
      const plan = planOf(this.state, this.batch);
      const state = stateAfter(this.state, plan, event); // throws when the signed root differs from the recomputed one
      this.index.writeBatch(integrateBatch(plan, state.lastCheckpoint!, state.events));
      this.state = state;
      const n = this.batch.length;
      this.batch = [];
      return n;
    }
    if (this.batch.length > 0) throw new LogIntegrityError(`stream ${stream}: ${event.type} at revision ${ev.revision} interrupts a batch`);
    const state = evolve(this.state, event);
    this.index.recordServiceEvent(event, state.events);
    this.state = state;
    return 0;
  }

  /** The end of a complete read: a batch without its checkpoint is an integrity failure. */
  finish(): void {
    if (this.batch.length > 0) throw new LogIntegrityError(`stream ${this.stream} ends with ${this.batch.length} entries and no checkpoint`);
  }
}
