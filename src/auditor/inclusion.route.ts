/**
 * `GET /proofs/inclusion` as a raw Fastify route on the service's Fastify instance, beside Nest's
 * routes: it is the hottest read (auditors, monitors), and Nest's pipeline cost about as much as
 * the proof itself (docs/benchmarks.md "#17: the log at 10⁶ entries"). Same semantics as a Nest
 * route: the instance's `onRequest` hooks run first (request id, metrics, URL/rate limits, read
 * credentials: src/common/http-edge.ts, src/auth/access.gate.ts), the same query parameters and
 * checks (query-params.ts), the same query handler (log.handlers.ts), and errors become the same
 * problem details (src/common/problem.filter.ts `sendProblem`).
 */
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { encodeInclusionReceipt } from '../../libs/receipt/src/index.js';
import { sendProblem } from '../common/problem.filter.js';
import { malformed, notFound } from '../common/problem.js';
import type { LogIndexStore } from '../log/log-index.store.js';
import { GetInclusionProof } from './auditor.queries.js';
import { GetInclusionProofHandler } from './log.handlers.js';
import { sendCose, wantsCose } from './log.controller.js';
import { entryIdParam, int, onlyParams, str, type RawQuery } from './query-params.js';

/**
 * The JSON body, written directly: the hashes are lowercase hex (all of them copied into one buffer
 * and encoded at once: one native call instead of one per hash) and need no escaping, the entry id
 * goes through `JSON.stringify`, the rest are integers; the bytes are those of `JSON.stringify` on
 * the same object (the e2e test compares them). The generic serializer was ≈ 7 % of a proof's
 * main-thread CPU at 10⁶ (docs/benchmarks.md, fifth pass).
 */
function proofJson(p: { entryId: string; leafIndex: number; treeSize: number; leafHash: Uint8Array; root: Uint8Array; path: readonly Uint8Array[] }): string {
  const hashes = [p.leafHash, p.root, ...p.path];
  const all = Buffer.allocUnsafe(32 * hashes.length);
  for (let i = 0; i < hashes.length; i++) {
    if (hashes[i]!.length !== 32) throw new Error(`a proof's hash has ${hashes[i]!.length} bytes`);
    all.set(hashes[i]!, 32 * i);
  }
  const hex = all.toString('hex');
  const at = (i: number): string => hex.slice(64 * i, 64 * i + 64);
  let path = '';
  for (let i = 2; i < hashes.length; i++) path += `${i === 2 ? '' : ','}"${at(i)}"`;
  return `{"entryId":${JSON.stringify(p.entryId)},"leafIndex":${p.leafIndex},"treeSize":${p.treeSize},"leafHash":"${at(0)}","root":"${at(1)}","path":[${path}]}`;
}

/** The answer to `GET /proofs/inclusion?entry=…|index=…[&treeSize=…]` (JSON, or the COSE receipt when asked). */
export async function inclusionAnswer(handler: GetInclusionProofHandler, q: RawQuery, accept: string | undefined, reply: FastifyReply): Promise<Buffer | string> {
  onlyParams(q, ['entry', 'index', 'treeSize']);
  const entry = str(q, 'entry');
  const index = int(q, 'index');
  if ((entry === undefined) === (index === undefined)) throw malformed('give exactly one of entry=<entry id> or index=<log index>', 'ERR_QUERY_PARAMETER');
  const p = await handler.execute(new GetInclusionProof(entry !== undefined ? { entryId: entryIdParam(entry, 'entry') } : { index: index! }, int(q, 'treeSize')));
  if (wantsCose(accept)) {
    if (!p.checkpoint) throw notFound(`no checkpoint was signed at tree size ${p.treeSize}: a receipt needs one (see GET /checkpoints)`);
    const { protectedHeader, signature } = p.checkpoint;
    return sendCose(reply, encodeInclusionReceipt({ protectedHeader, signature, treeSize: p.treeSize, leafIndex: p.leafIndex, path: p.path }));
  }
  reply.type('application/json; charset=utf-8');
  return proofJson(p);
}

/** Registers the route; call after the instance's hooks are installed (they apply to it as to every route). */
export function installInclusionRoute(fastify: FastifyInstance, index: LogIndexStore): void {
  const handler = new GetInclusionProofHandler(index);
  const logger = new Logger('http');
  fastify.get('/proofs/inclusion', async (req, reply) => {
    try {
      return await inclusionAnswer(handler, req.query as RawQuery, req.headers.accept, reply);
    } catch (err) {
      sendProblem(reply, err, logger);
      return reply;
    }
  });
}
