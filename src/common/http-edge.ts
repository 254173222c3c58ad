/**
 * The edge of the HTTP contract: what happens before a request reaches a controller. SCRAPI wants
 * every 4xx/5xx as RFC 9290 problem details, including the answers Node's HTTP parser and Fastify
 * give on their own (400 for a request they cannot parse, 408, 431, a malformed URL, 503 while
 * closing) — those are rewritten here. Also here, because they must run before a body is read or
 * a route does any work: the URL length limit (414), the read rate limit (429) and the in-flight
 * byte budget of registrations (503). docs/api.md lists the answers, docs/operations.md the settings.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { encodeProblem, malformed, ProblemError, tooMany, unavailable } from './problem.js';
import { sendProblem } from './problem.filter.js';
import { InflightBudget } from './inflight-budget.js';
import { RateLimiter } from './rate-limiter.js';

export interface HttpEdgeSettings {
  /** request line target (path + query) in bytes at most; longer is 414 */
  readonly maxUrlBytes: number;
  /** time to receive a whole request (headers and body); longer is 408 */
  readonly requestTimeoutMs: number;
  /** reads (GET/HEAD, except /health) per client address per minute; 0 disables */
  readonly readRateLimitPerMinute: number;
  /** statement bytes being received, verified or waiting for the sequencer, at most (POST /entries) */
  readonly maxInflightBytes: number;
  readonly maxBodyBytes: number;
}

const logger = new Logger('http');

/** An HTTP/1.1 response written straight to the socket (the parser gave up: no request object). */
export function rawProblem(p: ProblemError): Buffer {
  const body = Buffer.from(encodeProblem(p));
  const head =
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Error'}\r\n` +
    `content-type: application/concise-problem-details+cbor\r\ncontent-length: ${body.length}\r\n` +
    Object.entries(p.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
    'connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const uriTooLong = (detail: string): ProblemError => new ProblemError(414, 'URI Too Long', detail, 'ERR_URI_TOO_LONG');

/** The request line's length in the bytes the parser saw (up to the first CRLF, or all of them). */
function requestLineLength(err: { rawPacket?: unknown }): number {
  const raw = err.rawPacket;
  if (!Buffer.isBuffer(raw)) return 0;
  const eol = raw.indexOf('\r\n');
  return eol < 0 ? raw.length : eol;
}

/** The problem for an error of Node's HTTP parser (`clientError`). */
export function clientErrorProblem(err: Error & { code?: string; rawPacket?: unknown }, maxUrlBytes: number): ProblemError {
  const code = err.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ProblemError(408, 'Request Timeout', 'the request was not received in time', 'ERR_REQUEST_TIMEOUT');
  if (code === 'HPE_HEADER_OVERFLOW') {
    if (requestLineLength(err) > maxUrlBytes) return uriTooLong(`the request line is longer than ${maxUrlBytes} bytes`);
    return new ProblemError(431, 'Request Header Fields Too Large', 'the request header fields are larger than the server accepts', 'ERR_HEADERS_TOO_LARGE');
  }
  // HPE_INVALID_METHOD, HPE_INVALID_VERSION, HPE_INVALID_CONTENT_LENGTH, HPE_UNEXPECTED_CONTENT_LENGTH …
  const why = code.startsWith('HPE_') ? code.slice(4).toLowerCase().replace(/_/g, ' ') : 'the request could not be parsed';
  return malformed(`not a valid HTTP/1.1 request: ${why}`, 'ERR_HTTP_PARSE');
}

/** Fastify server options: the parser's and the router's own errors as problem details, timeouts. */
export function edgeServerOptions(s: HttpEdgeSettings): Partial<FastifyServerOptions> {
  const headersTimeout = Math.min(s.requestTimeoutMs, 60_000);
  return {
    requestTimeout: s.requestTimeoutMs,
    // Node checks request timeouts on this interval (default 30 s): a quarter of the timeout keeps it close.
    http: { headersTimeout, connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))) },
    // Fastify answers 503 in JSON while closing; the preClose hook below answers instead.
    return503OnClosing: false,
    clientErrorHandler(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(rawProblem(clientErrorProblem(err, s.maxUrlBytes)));
      socket.destroy();
    },
    frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
      let p: ProblemError;
      if (err.code === 'FST_ERR_BAD_URL') p = malformed(`the URL is not valid: ${err.message}`, 'ERR_BAD_URL');
      else if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') p = uriTooLong('a path segment is too long for any resource of this service');
      else p = new ProblemError(err.statusCode && err.statusCode >= 400 ? err.statusCode : 500, 'Internal Server Error', err.message, err.code ?? 'ERR_INTERNAL');
      sendProblem(reply, p, logger);
    },
  } as Partial<FastifyServerOptions>;
}

/** `POST /entries`, and a node's hand-over `POST /_cluster/entries` (the same bytes, the same budget). */
const isRegistration = (req: FastifyRequest): boolean => req.method === 'POST' && /^\/(_cluster\/)?entries\/?(\?|$)/.test(req.url);
const isHealth = (url: string): boolean => url === '/health' || url.startsWith('/health/') || url.startsWith('/health?');

/** The bytes a registration will hold: its declared length (Fastify refuses a longer body), else the limit. */
function declaredBytes(req: FastifyRequest, maxBodyBytes: number): number {
  const cl = req.headers['content-length'];
  const n = typeof cl === 'string' && /^[0-9]{1,15}$/.test(cl) ? Number(cl) : maxBodyBytes;
  return Math.min(n, maxBodyBytes);
}

/** Hooks that run before routing work: closing, URL length, read rate limit, in-flight bytes. */
export function installHttpEdge(fastify: FastifyInstance, s: HttpEdgeSettings): { readonly inflight: InflightBudget } {
  const reads = new RateLimiter(s.readRateLimitPerMinute);
  const inflight = new InflightBudget(s.maxInflightBytes);
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    let refusal: ProblemError | undefined;
    if (closing) {
      refusal = unavailable('the service is shutting down', 5, 'ERR_SHUTTING_DOWN');
      reply.header('connection', 'close');
    } else if (Buffer.byteLength(req.url) > s.maxUrlBytes) {
      refusal = uriTooLong(`the request target is longer than ${s.maxUrlBytes} bytes`);
    } else if ((req.method === 'GET' || req.method === 'HEAD') && !isHealth(req.url)) {
      const wait = reads.take(req.ip);
      if (wait > 0) refusal = tooMany(wait, 'read rate');
    } else if (isRegistration(req)) {
      const bytes = declaredBytes(req, s.maxBodyBytes);
      if (inflight.tryAcquire(bytes)) {
        reply.raw.once('close', () => inflight.release(bytes));
      } else {
        refusal = unavailable(
          `${inflight.bytes} bytes of statements are being received or verified (MAX_INFLIGHT_BYTES=${inflight.max}); retry shortly`,
          1,
          'ERR_INFLIGHT_BYTES',
        );
        // The body is never buffered: Node reads and discards it after the answer, keeping the
        // connection (closing it now could reset the socket before the client read the 503).
      }
    }
    if (!refusal) return done();
    sendProblem(reply, refusal, logger);
  });
  return { inflight };
}
