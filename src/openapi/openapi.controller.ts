import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OPENAPI_DOCUMENT } from './openapi.document.js';

/** `GET /openapi.json`: the OpenAPI 3.1 description of this API (openapi.document.ts). */
@Controller()
export class OpenApiController {
  private readonly body = JSON.stringify(OPENAPI_DOCUMENT);

  @Get('/openapi.json')
  document(@Res() reply: FastifyReply): void {
    reply.status(200).headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=300' }).send(this.body);
  }
}
