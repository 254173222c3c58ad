/**
 * The ledger's auditor API as the audit reads it (docs/api.md): log replay, checkpoints,
 * consistency proofs. Decodes the JSON into bytes and checks its shape; a malformed answer is a
 * service error naming the field.
 */
import { fromBase64Url, fromHex } from '../../cose/src/index.js';
import { serviceError } from './cli.errors.js';
import type { LedgerClient } from './ledger.client.js';

/** One log entry as replayed. */
export interface AuditEntry {
  index: number;
  entryId: string;
  entry: Uint8Array;
  iss: string;
  sub: string;
  contentType: string;
  registeredAt: string;
}

/** One signed checkpoint. */
export interface AuditCheckpoint {
  treeSize: number;
  root: Uint8Array;
  signedAt: string;
  kid: string;
  protectedHeader: Uint8Array;
  signature: Uint8Array;
}

/** A consistency proof as served. */
export interface AuditConsistency {
  from: number;
  to: number;
  root1: Uint8Array;
  root2: Uint8Array;
  path: Uint8Array[];
}

/** What the audit needs from a ledger (the HTTP client, or anything else in tests). */
export interface AuditSource {
  entries(start: number, limit: number): Promise<{ items: AuditEntry[]; next: number | null }>;
  checkpoints(after: number | string, limit: number): Promise<{ items: AuditCheckpoint[]; next: number | string | null }>;
  /** The latest checkpoint; null when the log has none yet (empty). */
  latest(): Promise<AuditCheckpoint | null>;
  consistency(from: number, to: number): Promise<AuditConsistency>;
}

function bad(what: string, why: string): never {
  throw serviceError(`couldn't read ${what}: the ledger's answer is malformed: ${why}`);
}

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function bytesField(o: Record<string, unknown>, k: string, enc: 'hex' | 'b64', what: string): Uint8Array {
  const v = o[k];
  if (typeof v !== 'string') bad(what, `${k} is not a string`);
  try {
    return enc === 'hex' ? fromHex(v) : fromBase64Url(v);
  } catch {
    return bad(what, `${k} is not ${enc === 'hex' ? 'hex' : 'base64url'}`);
  }
}

function str(o: Record<string, unknown>, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') bad(what, `${k} is not a string`);
  return v;
}

/** Parses a checkpoint item of `/checkpoints`. */
export function parseCheckpoint(v: unknown, what: string): AuditCheckpoint {
  if (!v || typeof v !== 'object') bad(what, 'not an object');
  const o = v as Record<string, unknown>;
  if (!isSize(o.treeSize)) bad(what, 'treeSize is not a size');
  return {
    treeSize: o.treeSize,
    root: bytesField(o, 'root', 'hex', what),
    signedAt: str(o, 'signedAt', what),
    kid: str(o, 'kid', what),
    protectedHeader: bytesField(o, 'protectedHeader', 'b64', what),
    signature: bytesField(o, 'signature', 'b64', what),
  };
}

function parseEntry(v: unknown, what: string): AuditEntry {
  if (!v || typeof v !== 'object') bad(what, 'not an object');
  const o = v as Record<string, unknown>;
  if (!isSize(o.index)) bad(what, 'index is not an integer');
  return {
    index: o.index,
    entryId: str(o, 'entryId', what),
    entry: bytesField(o, 'entry', 'b64', what),
    iss: str(o, 'iss', what),
    sub: str(o, 'sub', what),
    contentType: str(o, 'contentType', what),
    registeredAt: str(o, 'registeredAt', what),
  };
}

function page(v: unknown, what: string): { items: unknown[]; next: unknown } {
  if (!v || typeof v !== 'object' || !Array.isArray((v as { items?: unknown }).items)) bad(what, 'want {items: [...], next}');
  return v as { items: unknown[]; next: unknown };
}

/** The auditor API of a ledger over HTTP. */
export function httpAuditSource(client: LedgerClient): AuditSource {
  return {
    async entries(start, limit) {
      const what = `log entries from ${start}`;
      const p = page(await client.json(`log/entries?start=${start}&limit=${limit}`, `fetch ${what}`), what);
      if (p.next !== null && !isSize(p.next)) bad(what, 'next is not a number or null');
      return { items: p.items.map((x, i) => parseEntry(x, `${what}, item ${i}`)), next: p.next as number | null };
    },
    async checkpoints(after, limit) {
      const what = `checkpoints after ${after}`;
      const q = typeof after === 'string' ? `cursor=${encodeURIComponent(after)}` : `after=${after}`;
      const p = page(await client.json(`checkpoints?${q}&limit=${limit}`, `fetch ${what}`), what);
      if (p.next !== null && !isSize(p.next) && typeof p.next !== 'string') bad(what, 'next is not a cursor or null');
      return { items: p.items.map((x, i) => parseCheckpoint(x, `${what}, item ${i}`)), next: p.next as number | string | null };
    },
    async latest() {
      const res = await client.request('checkpoints/latest', 'fetch the latest checkpoint', { headers: { accept: 'application/json' } });
      if (res.status === 404) {
        await res.arrayBuffer();
        return null;
      }
      if (res.status !== 200) return client.fail(res, 'fetch the latest checkpoint');
      let v: unknown;
      try {
        v = JSON.parse(await res.text());
      } catch {
        bad('the latest checkpoint', 'not JSON');
      }
      return parseCheckpoint(v, 'the latest checkpoint');
    },
    async consistency(from, to) {
      const what = `the consistency proof from ${from} to ${to}`;
      const v = await client.json<Record<string, unknown>>(`proofs/consistency?from=${from}&to=${to}`, `fetch ${what}`);
      if (!v || typeof v !== 'object' || !Array.isArray(v.path)) bad(what, 'want {from, to, root1, root2, path}');
      if (v.from !== from || v.to !== to) bad(what, `it is for ${String(v.from)}→${String(v.to)}`);
      return {
        from,
        to,
        root1: bytesField(v, 'root1', 'hex', what),
        root2: bytesField(v, 'root2', 'hex', what),
        path: (v.path as unknown[]).map((h, i) => {
          if (typeof h !== 'string') bad(what, `path[${i}] is not hex`);
          return bytesField({ h }, 'h', 'hex', what);
        }),
      };
    },
  };
}
