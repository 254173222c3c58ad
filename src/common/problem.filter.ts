import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { encodeProblem, PROBLEM_CONTENT_TYPE, ProblemError } from './problem.js';

const TITLES: Record<number, string> = { 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests' };

/** Maps any error (ours, Nest's, Fastify's) to an RFC 9290 problem-details response. */
export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const title = TITLES[status] ?? (status < 500 ? 'Malformed request' : 'Internal Server Error');
    return new ProblemError(status, title, err.message, `ERR_HTTP_${status}`);
  }
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own errors (body too large, unsupported media type, bad content length …)
    return new ProblemError(e.statusCode, TITLES[e.statusCode] ?? 'Malformed request', e.message ?? 'bad request', e.code ?? `ERR_HTTP_${e.statusCode}`);
  }
  return new ProblemError(500, 'Internal Server Error', 'the service failed to process the request; see its log', 'ERR_INTERNAL', {}, { cause: err });
}

export function sendProblem(reply: FastifyReply, err: unknown, logger: Logger): void {
  const p = toProblem(err);
  // Unexpected failures get their stack; expected refusals (503 backpressure) one quiet line.
  const reqId = reply.request?.id;
  if (p.status === 500) logger.error({ msg: `${p.code}: ${String((err as Error)?.stack ?? err)}`, reqId });
  else if (p.status > 500) logger.warn({ msg: `${p.status} ${p.code}: ${p.detail}`, reqId });
  else logger.debug({ msg: `${p.status} ${p.code}: ${p.detail}`, reqId });
  reply.status(p.status).headers({ ...p.headers, 'content-type': PROBLEM_CONTENT_TYPE }).send(encodeProblem(p));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');
  catch(err: unknown, host: ArgumentsHost): void {
    sendProblem(host.switchToHttp().getResponse<FastifyReply>(), err, this.logger);
  }
}
