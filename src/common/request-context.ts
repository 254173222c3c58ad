/**
 * The request id of the HTTP request being served, kept in an AsyncLocalStorage so that whatever
 * runs for that request — the controller, the RegisterStatement command and its handler, the
 * statement checker — logs it without being handed it. Ids come from the client's X-Request-Id
 * (when it is a short token) or are generated; the response carries the id back in X-Request-Id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the request being served, or undefined outside a request. */
export const currentRequestId = (): string | undefined => storage.getStore()?.requestId;

/** Runs `fn` (and everything it starts) as part of request `requestId`. */
export const runWithRequestId = <T>(requestId: string, fn: () => T): T => storage.run({ requestId }, fn);

/** A client-chosen id is kept when it is 1–128 characters of A–Z a–z 0–9 and `-_.:`; else a new UUID. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id for a request with these headers. */
export function requestIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v !== undefined && CLIENT_ID.test(v) ? v : randomUUID();
}
