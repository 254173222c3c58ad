/**
 * Serves the auditor's explorer (docs/explorer.md) at `/explorer/`: a static single-page app that
 * verifies every receipt, proof and checkpoint it shows in the browser. Files come from memory
 * (explorer.assets.ts) with their content type, an ETag, and a CSP that forbids any remote load.
 */
import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { notFound, ProblemError } from '../common/problem.js';
import { EXPLORER_CSP, loadExplorerAssets, type ExplorerAsset } from './explorer.assets.js';

@Controller('explorer')
export class ExplorerController {
  private assets: ReadonlyMap<string, ExplorerAsset> | null | undefined;

  @Get()
  root(@Res() reply: FastifyReply): void {
    reply.status(301).header('location', '/explorer/').send();
  }

  /** `/explorer/` (index.html) and `/explorer/<file>`: one Fastify wildcard route (Nest folds a trailing slash). */
  @Get('*')
  file(@Param('*') file: string | undefined, @Headers('if-none-match') inm: string | undefined, @Res() reply: FastifyReply): void {
    this.send(file || 'index.html', inm, reply);
  }

  private send(name: string, inm: string | undefined, reply: FastifyReply): void {
    this.assets ??= loadExplorerAssets();
    if (this.assets === null) {
      throw new ProblemError(404, 'Not Found', 'the explorer is not built: run `npm run build`', 'ERR_EXPLORER_NOT_BUILT');
    }
    const asset = this.assets.get(name);
    if (!asset) throw notFound(`no explorer file ${JSON.stringify(name.slice(0, 80))}`);
    reply.headers({
      'content-type': asset.contentType,
      'content-security-policy': EXPLORER_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'x-frame-options': 'DENY',
      // revalidate every time: a few small files, cheap with the ETag, and a new build shows at once
      'cache-control': 'no-cache',
      etag: asset.etag,
    });
    if (inm !== undefined && inm.split(',').some((t) => t.trim() === asset.etag)) {
      reply.status(304).send();
      return;
    }
    reply.status(200).send(asset.body);
  }
}
