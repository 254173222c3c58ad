/**
 * RFC 9290 concise problem details, as SCRAPI requires for every 4xx/5xx:
 * CBOR map `{-1: title, -2: detail, -4: status, "code": stable error code}` served as
 * `application/concise-problem-details+cbor`. Titles are the SCRAPI draft's where it names one.
 */
import { decodeCbor, encodeCbor } from '../../libs/cose/src/index.js';

export const PROBLEM_CONTENT_TYPE = 'application/concise-problem-details+cbor';

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly code: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(`${title}: ${detail}`, options);
    this.name = 'ProblemError';
  }
}

export function encodeProblem(p: { status: number; title: string; detail: string; code: string }): Uint8Array {
  return encodeCbor(
    new Map<number | string, unknown>([
      [-1, p.title],
      [-2, p.detail],
      [-4, p.status],
      ['code', p.code],
    ]),
  );
}

/** Reads problem details another node answered (as {@link encodeProblem} writes them); missing fields are ''. */
export function decodeProblem(body: Uint8Array): { title: string; detail: string; code: string } {
  let m: unknown;
  try {
    m = decodeCbor(body, { maxSize: 64 * 1024 });
  } catch {
    return { title: '', detail: '', code: '' };
  }
  const get = (k: number | string): string => (m instanceof Map && typeof m.get(k) === 'string' ? (m.get(k) as string) : '');
  return { title: get(-1), detail: get(-2), code: get('code') };
}

export const malformed = (detail: string, code = 'ERR_MALFORMED_REQUEST', cause?: unknown): ProblemError =>
  new ProblemError(400, 'Malformed request', detail, code, {}, { cause });
export const rejected = (detail: string, code: string): ProblemError => new ProblemError(400, 'Rejected', detail, code);
export const notFound = (detail: string): ProblemError => new ProblemError(404, 'Not Found', detail, 'ERR_NOT_FOUND');
export const unavailable = (detail: string, retryAfter: number, code = 'ERR_UNAVAILABLE'): ProblemError =>
  new ProblemError(503, 'Service Unavailable', detail, code, { 'retry-after': String(retryAfter) });
/** `kind`: which budget ran out — registrations (`rate`) or reads (`read rate`), separate budgets. */
export const tooMany = (retryAfter: number, kind: 'rate' | 'read rate' = 'rate'): ProblemError =>
  new ProblemError(429, 'Too Many Requests', `${kind} limit reached: retry after ${retryAfter} s`, 'ERR_RATE_LIMITED', { 'retry-after': String(retryAfter) });
