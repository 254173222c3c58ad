/**
 * Auditor API on the log: checkpoints, inclusion and consistency proofs, log replay
 * (docs/api.md). JSON by default; `Accept: application/cose` gives the standard CBOR objects
 * (a checkpoint as COSE_Sign1 with the root attached, RFC 9942 receipts).
 */
import { Controller, Get, Headers, Inject, Param, Query as QueryParams, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { encodeConsistencyReceipt } from '../../libs/receipt/src/index.js';
import { malformed, notFound } from '../common/problem.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { CONFIG } from '../infrastructure/tokens.js';
import { GetCheckpoint, GetConsistencyProof, GetLogEntries, ListCheckpoints } from './auditor.queries.js';
import { checkpointCose, checkpointJson, type CheckpointJson } from './checkpoint.view.js';
import { toHex } from '../../libs/cose/src/index.js';
import { int, limitOf, onlyParams, type RawQuery } from './query-params.js';

export const COSE = 'application/cose';

/** True when the client asks for `application/cose` (any parameters, any position in Accept). */
export function wantsCose(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((r) => r.split(';')[0]!.trim().toLowerCase() === COSE);
}

export function sendCose(reply: FastifyReply, bytes: Uint8Array): Buffer {
  reply.header('content-type', COSE).header('vary', 'Accept');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sizeParam(v: string, name: string): number {
  return int({ [name]: v }, name)!;
}

@Controller()
export class LogController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CONFIG) private readonly config: ServiceConfig,
  ) {}

  @Get('checkpoints/latest')
  async latest(@QueryParams() q: RawQuery, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<CheckpointJson | Buffer> {
    onlyParams(q, []);
    const cp = await this.queries.execute(new GetCheckpoint(undefined));
    return wantsCose(accept) ? sendCose(reply, checkpointCose(cp)) : checkpointJson(cp);
  }

  @Get('checkpoints/:treeSize')
  async checkpoint(
    @Param('treeSize') treeSize: string,
    @QueryParams() q: RawQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckpointJson | Buffer> {
    onlyParams(q, []);
    const cp = await this.queries.execute(new GetCheckpoint(sizeParam(treeSize, 'treeSize')));
    return wantsCose(accept) ? sendCose(reply, checkpointCose(cp)) : checkpointJson(cp);
  }

  @Get('checkpoints')
  async checkpoints(@QueryParams() q: RawQuery): Promise<{ items: CheckpointJson[]; next: number | null }> {
    onlyParams(q, ['after', 'limit']);
    const page = await this.queries.execute(new ListCheckpoints(int(q, 'after') ?? 0, limitOf(q)));
    return { items: page.items.map(checkpointJson), next: page.next };
  }

  // GET /proofs/inclusion is a raw Fastify route on the same instance (inclusion.route.ts): a hot read.

  @Get('proofs/consistency')
  async consistency(@QueryParams() q: RawQuery, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<object> {
    onlyParams(q, ['from', 'to']);
    const from = int(q, 'from');
    if (from === undefined) throw malformed('from=<tree size> is required', 'ERR_QUERY_PARAMETER');
    const p = await this.queries.execute(new GetConsistencyProof(from, int(q, 'to')));
    if (wantsCose(accept)) {
      if (!p.checkpoint) throw notFound(`no checkpoint was signed at tree size ${p.to}: a receipt needs one (see GET /checkpoints)`);
      const { protectedHeader, signature } = p.checkpoint;
      return sendCose(reply, encodeConsistencyReceipt({ protectedHeader, signature, size1: p.from, size2: p.to, path: p.path }));
    }
    return { from: p.from, to: p.to, root1: toHex(p.root1), root2: toHex(p.root2), path: p.path.map(toHex) };
  }

  /** Streamed (docs/api.md): bounded by `limit` and by PAGE_MAX_BYTES, whichever ends the page first. */
  @Get('log/entries')
  async entries(@QueryParams() q: RawQuery, @Res() reply: FastifyReply): Promise<void> {
    onlyParams(q, ['start', 'limit']);
    const body = await this.queries.execute(new GetLogEntries(int(q, 'start') ?? 0, limitOf(q), this.config.pageMaxBytes));
    reply.status(200).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
