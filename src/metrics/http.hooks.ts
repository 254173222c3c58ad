/**
 * Fastify hooks for every request: the request id back in X-Request-Id (request-context.ts), the
 * HTTP metrics, and a debug-level access log line. Installed on the
 * Fastify instance before the routes start, so they apply to every route, Nest's and Fastify's
 * own answers (404, 413, 415) alike.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceLogger } from '../common/service.logger.js';
import type { ServiceMetrics } from './service.metrics.js';

/** A route the service answers (collected as Nest registers them; the OpenAPI test reads them). */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
}

/** Installs the hooks; answers the list of routes, filled as they are registered. */
export function installHttpHooks(fastify: FastifyInstance, metrics: ServiceMetrics, logger: ServiceLogger): RouteInfo[] {
  const routes: RouteInfo[] = [];
  fastify.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id); // req.id: genReqId (request-context.ts)
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    // the route template, never the raw URL: label values stay few whatever clients send
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.request(req.method, route, reply.statusCode, seconds);
    if (logger.pino.isLevelEnabled('debug')) {
      // no headers, no body, no query string: tokens and statement bytes never reach the log
      logger.debug({ msg: 'request', reqId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(seconds * 1e4) / 10 }, 'http');
    }
    done();
  });
  return routes;
}
