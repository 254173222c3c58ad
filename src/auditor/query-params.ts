/**
 * Parsing of the auditor API's query parameters. Anything malformed is a 400 problem
 * (`malformed`) naming the parameter, what it got and what it accepts.
 */
import { malformed } from '../common/problem.js';

export type RawQuery = Readonly<Record<string, unknown>>;

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
const ENTRY_ID = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Refuses parameters the endpoint does not know (typos would otherwise silently widen a query). */
export function onlyParams(q: RawQuery, allowed: readonly string[]): void {
  for (const k of Object.keys(q)) {
    if (!allowed.includes(k)) {
      const takes = allowed.length ? `this endpoint takes ${allowed.join(', ')}` : 'this endpoint takes no query parameters';
      throw malformed(`unknown query parameter ${JSON.stringify(k.slice(0, 80))} (${takes})`, 'ERR_QUERY_PARAMETER');
    }
  }
}

/** A single string parameter, or undefined when absent. */
export function str(q: RawQuery, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw malformed(`query parameter ${name} must be given once`, 'ERR_QUERY_PARAMETER');
  if (v.length === 0 || v.length > 2048) throw malformed(`query parameter ${name} must have 1–2048 characters`, 'ERR_QUERY_PARAMETER');
  return v;
}

/** A non-negative safe integer in decimal (no sign, no leading zeros), within [min, max]. */
export function int(q: RawQuery, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  const n = DECIMAL.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw malformed(`query parameter ${name}=${JSON.stringify(v.slice(0, 40))} must be a decimal integer from ${min} to ${max}`, 'ERR_QUERY_PARAMETER');
  }
  return n;
}

/** `limit`: 1 … 1000, default 100. */
export function limitOf(q: RawQuery): number {
  return int(q, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
}

/** An entry id: 64 lowercase hex digits. */
export function entryIdParam(v: string | undefined, name: string): string {
  if (v === undefined) throw malformed(`${name} is required (an entry id: 64 lowercase hex digits)`, 'ERR_QUERY_PARAMETER');
  if (!ENTRY_ID.test(v)) throw malformed(`${name}=${JSON.stringify(v.slice(0, 80))} is not an entry id (64 lowercase hex digits)`, 'ERR_BAD_ENTRY_ID');
  return v;
}

/** An RFC 3339 date-time (with a time zone) → ms since the epoch. */
export function timeParam(q: RawQuery, name: string): number | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  const m = RFC3339.exec(v);
  const ms = m ? Date.parse(v.toUpperCase().replace(' ', 'T')) : NaN;
  const [, , mo, d, h, mi, s] = m ?? [];
  if (!m || !Number.isFinite(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    throw malformed(`query parameter ${name}=${JSON.stringify(v.slice(0, 40))} is not an RFC 3339 date-time with a time zone (e.g. 2025-01-31T12:00:00Z)`, 'ERR_QUERY_PARAMETER');
  }
  return ms;
}

export function boolParam(q: RawQuery, name: string): boolean | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw malformed(`query parameter ${name} must be true or false`, 'ERR_QUERY_PARAMETER');
  return v === 'true';
}

/**
 * The claims cursor: opaque to clients, base64url of the decimal log index of the last item
 * returned. Pages go by index descending, so new entries never shift a page (stable under writes).
 */
export function encodeCursor(lastIndex: number): string {
  return Buffer.from(String(lastIndex), 'utf8').toString('base64url');
}

/** Decodes {@link encodeCursor}; anything else is a 400. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const n = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || encodeCursor(n) !== cursor) throw malformed(`cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this service issued`, 'ERR_BAD_CURSOR');
  return n;
}

/** The issuer key id as stored in events: hex of the kid bstr, or `x5t:<hex>`; uppercase hex is accepted. */
export function kidParam(q: RawQuery): string | undefined {
  const v = str(q, 'kid');
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  if (!/^(x5t:)?([0-9a-f]{2})+$/.test(lower)) throw malformed(`kid=${JSON.stringify(v.slice(0, 80))} must be hex (or x5t:<hex>)`, 'ERR_QUERY_PARAMETER');
  return lower;
}

export const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
