/** Test helper: real ledger events (as the sequencer stores them) for the mapping and publisher tests. */
import { createHash } from 'node:crypto';
import { encodeEventData, logStream, type CheckpointSigned, type EntryRegistered } from '../../ledger/src/events.js';
import { REVOCATION_CONTENT_TYPE } from '../../ledger/src/revocation.js';
import { encodeCbor } from '../../cose/src/cbor.encode.js';
import { encodeSign1 } from '../../cose/src/sign1.codec.js';
import { entryIdOf } from '../../receipt/src/entry.codec.js';

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** A tagged COSE_Sign1 with protected content type `ct`, an attached payload and a dummy signature. */
export function statement(ct: string, payload: Uint8Array | null, n = 0): Uint8Array {
  const protectedBytes = encodeCbor(new Map<number, unknown>([[1, -7], [3, ct], [15, new Map([[1, 'https://issuer.example'], [2, `subject-${n}`]])]]));
  return encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature: new Uint8Array(64).fill(n & 0xff) });
}

export function entryRegistered(index: number, opts: { entry?: Uint8Array; contentType?: string; at?: string } = {}): EntryRegistered {
  const contentType = opts.contentType ?? 'application/vnd.in-toto+json';
  const entry = opts.entry ?? statement(contentType, new TextEncoder().encode(`{"n":${index}}`), index);
  return {
    type: 'EntryRegistered',
    index,
    entryId: entryIdOf(entry),
    leafHash: sha256(new Uint8Array([0, ...entry])),
    entry,
    iss: 'https://issuer.example',
    sub: `registry.example/app@sha256:${'ab'.repeat(32)}`,
    contentType,
    kid: 'a1b2c3',
    registeredAt: opts.at ?? `2026-01-02T03:04:05.${String(index % 1000).padStart(3, '0')}Z`,
  };
}

export function revocation(index: number, revokes: string[], reason = 'key compromise'): EntryRegistered {
  const payload = new TextEncoder().encode(JSON.stringify({ revokes, reason }));
  return entryRegistered(index, { contentType: REVOCATION_CONTENT_TYPE, entry: statement(REVOCATION_CONTENT_TYPE, payload, index) });
}

export function checkpointSigned(treeSize: number): CheckpointSigned {
  return {
    type: 'CheckpointSigned',
    treeSize,
    root: sha256(new TextEncoder().encode(`root-${treeSize}`)),
    protectedHeader: new Uint8Array([0xa0]),
    signature: new Uint8Array(64).fill(7),
    signedAt: '2026-01-02T03:04:06Z',
  };
}

/** The store-facing form of an event (what `EventStore.append` takes). */
export function newEvent(e: EntryRegistered | CheckpointSigned): { type: string; data: Uint8Array; contentType: 'application/json' } {
  return { type: e.type, data: encodeEventData(e), contentType: 'application/json' };
}

/** A stored event of `log-<logId>` at `revision` (for the pure mapping tests). */
export function stored(logId: string, revision: number, e: EntryRegistered | CheckpointSigned) {
  return { stream: logStream(logId), revision, position: BigInt(revision + 1), type: e.type, data: encodeEventData(e) };
}
