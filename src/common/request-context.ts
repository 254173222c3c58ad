/**
 * Request ids. Each request gets one — the client's X-Request-Id when it is a short token, else a
 * new UUID — as Fastify's `req.id` (the adapter's `genReqId`), returned in the X-Request-Id response
 * header, carried on the RegisterStatement command (`requestId`) and written as `reqId` on the log
 * lines about the request. Passed explicitly rather than through an AsyncLocalStorage: on Node 20
 * an active AsyncLocalStorage adds a promise hook to every await of the thread (measured ~70 ns
 * each), a cost the registration path would pay for every statement.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A client-chosen id is kept when it is 1–128 characters of A–Z a–z 0–9 and `-_.:`; else a new UUID. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id for a request with this X-Request-Id header (or none). */
export function requestIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v !== undefined && CLIENT_ID.test(v) ? v : randomUUID();
}

/** Fastify's `genReqId`: the request id of a raw request. */
export const genReqId = (req: IncomingMessage): string => requestIdOf(req.headers['x-request-id']);
