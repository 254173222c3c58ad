/**
 * Synthetic ledger streams for projection tests and the benchmark: `EntryRegistered` batches
 * sealed by `CheckpointSigned`, exactly as the sequencer writes them (JSON event data, stream
 * `log-<logId>`), with several issuers and keys, OCI and non-OCI subjects, re-registrations of a
 * subject (supersession) and revocations (real revocation payloads inside COSE_Sign1 entries).
 * Entries carry fake signatures and checkpoints fake roots: projections trust the log and never
 * verify either, so nothing here needs signing 10⁵ statements.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { encodeCbor, encodeSign1 } from '../../../libs/cose/src/index.js';
import type { EventStore, NewEvent } from '../../../libs/event-store/src/index.js';
import { logStream, REVOCATION_CONTENT_TYPE, toStoredEvent, type LedgerEvent } from '../../../libs/ledger/src/index.js';
import { hashLeaf } from '../../../libs/merkle/src/index.js';
import { entryIdOf } from '../../../libs/receipt/src/index.js';

export interface FixtureOptions {
  readonly entries: number;
  /** entries per sequencing batch (default 50) */
  readonly batch?: number;
  readonly issuers?: number;
  /** one entry in `revokeEvery` is a revocation (default 20; 0 = none) */
  readonly revokeEvery?: number;
  /** distinct subjects per issuer: re-registering one supersedes (default 50) */
  readonly subjects?: number;
  readonly seed?: number;
  /** registration time of entry 0; entry i is one second later per index */
  readonly start?: Date;
  /** characters of padding in each claim's JSON payload (default 0), for statements of a realistic size */
  readonly payloadPad?: number;
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function entryBytes(contentType: string, payload: Uint8Array, n: number): Uint8Array {
  const protectedBytes = encodeCbor(new Map<number, unknown>([[1, -7], [3, contentType]]));
  const signature = createHash('sha512').update(`sig-${n}`).digest();
  return encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature }, { tagged: true });
}

const subjectFor = (issuer: number, s: number): string => {
  const d = createHash('sha256').update(`artifact-${issuer}-${s}`).digest('hex');
  if (s % 10 === 9) return `pkg:npm/tool-${issuer}-${s}@1.0.0`; // not an OCI reference
  const form = s % 3 === 0 ? 'oci://' : '';
  return `${form}registry-${issuer % 3}.example/team-${issuer}/app-${s % 7}@sha256:${d}`;
};

/**
 * Yields the log batch by batch: `EntryRegistered × n` then `CheckpointSigned`.
 * @example for (const batch of ledgerBatches({ entries: 1000 })) await store.append(stream, batch.map(toNewEvent), expected)
 */
export function* ledgerBatches(o: FixtureOptions): Generator<LedgerEvent[]> {
  const rnd = prng(o.seed ?? 1);
  const batchSize = o.batch ?? 50;
  const issuers = o.issuers ?? 8;
  const revokeEvery = o.revokeEvery ?? 20;
  const subjects = o.subjects ?? 50;
  const start = (o.start ?? new Date('2025-01-01T00:00:00Z')).getTime();
  const byIssuer: string[][] = Array.from({ length: issuers }, () => []);
  const contentTypes = ['application/json', 'application/spdx+json', 'application/vnd.cyclonedx+json', 'text/plain'];
  let batch: LedgerEvent[] = [];
  for (let index = 0; index < o.entries; index++) {
    const who = Math.floor(rnd() * issuers);
    const iss = `https://ci-${who}.vendor.example`;
    const kid = who % 2 === 0 ? createHash('sha256').update(`key-${who}`).digest('hex') : `x5t:${createHash('sha256').update(`cert-${who}-${index % 2}`).digest('hex')}`;
    const own = byIssuer[who]!;
    let contentType: string;
    let payload: Uint8Array;
    let sub: string;
    if (revokeEvery > 0 && index % revokeEvery === revokeEvery - 1 && own.length > 0) {
      contentType = REVOCATION_CONTENT_TYPE;
      const target = own[Math.floor(rnd() * own.length)]!;
      payload = new TextEncoder().encode(JSON.stringify({ revokes: [target], reason: `revoked at ${index}` }));
      sub = subjectFor(who, 0);
    } else {
      contentType = contentTypes[Math.floor(rnd() * contentTypes.length)]!;
      payload = new TextEncoder().encode(JSON.stringify(o.payloadPad ? { n: index, pad: 'x'.repeat(o.payloadPad) } : { n: index }));
      sub = subjectFor(who, Math.floor(rnd() * subjects));
    }
    const entry = entryBytes(contentType, payload, index);
    const entryId = entryIdOf(entry);
    if (contentType !== REVOCATION_CONTENT_TYPE) own.push(entryId);
    batch.push({ type: 'EntryRegistered', index, entryId, leafHash: hashLeaf(entry), entry, iss, sub, contentType, kid, registeredAt: new Date(start + index * 1000).toISOString() });
    if (batch.length === batchSize || index === o.entries - 1) {
      const treeSize = index + 1;
      batch.push({
        type: 'CheckpointSigned',
        treeSize,
        root: createHash('sha256').update(`root-${treeSize}`).digest(),
        protectedHeader: encodeCbor(new Map<number, unknown>([[1, -7]])),
        signature: new Uint8Array(64),
        signedAt: new Date(start + index * 1000).toISOString(),
      });
      yield batch;
      batch = [];
    }
  }
}

/** An event as the sequencer appends it (libs/ledger `toStoredEvent`: EntryRegistered as CBOR v2). */
export const toNewEvent: (e: LedgerEvent) => NewEvent = toStoredEvent;

/**
 * Appends log batches to stream `log-<logId>` after revision `expected` (-1 for a new stream),
 * plus one event on a foreign stream every 7th batch (projections must skip it). Returns the
 * stream's last revision.
 */
export async function appendLedger(store: EventStore, logId: string, batches: readonly LedgerEvent[][], expected: number): Promise<number> {
  let revision = expected;
  for (const [i, batch] of batches.entries()) {
    const r = await store.append(logStream(logId), batch.map(toNewEvent), revision < 0 ? 'no_stream' : revision);
    revision = r.nextExpectedRevision;
    if (i % 7 === 6) await store.append(`other-${logId}`, [{ type: 'SomethingElse', data: new Uint8Array([1]) }], 'any');
  }
  return revision;
}

/** Appends a whole synthetic log to a new stream; returns the number of entries. */
export async function loadLedger(store: EventStore, logId: string, o: FixtureOptions): Promise<number> {
  await appendLedger(store, logId, [...ledgerBatches(o)], -1);
  return o.entries;
}

/** Every row of every table of a projection database (except its positions), for equality checks. */
export function dumpTables(db: Database, tables: readonly string[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).all();
  return out;
}
