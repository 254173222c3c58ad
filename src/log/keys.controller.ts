import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { decodeCoseKey, encodeCoseKey, encodeCoseKeySet } from '../../libs/cose/src/index.js';
import { notFound } from '../common/problem.js';
import { LogIndexStore } from './log-index.store.js';

/** SCRAPI key discovery: every key the log ever signed with (retired keys stay listed for verification). */
@Controller('.well-known/scitt-keys')
export class KeysController {
  constructor(private readonly index: LogIndexStore) {}

  @Get()
  all(@Res() reply: FastifyReply): void {
    const keys = this.index.serviceKeys().map((k) => decodeCoseKey(new Uint8Array(Buffer.from(k.coseKey, 'base64'))));
    reply.status(200).headers({ 'content-type': 'application/cbor', 'cache-control': 'max-age=300' }).send(encodeCoseKeySet(keys));
  }

  /** `kid` as lowercase hex or base64url. */
  @Get(':kid')
  one(@Param('kid') kid: string, @Res() reply: FastifyReply): void {
    const wanted = /^([0-9a-fA-F]{2})+$/.test(kid) ? kid.toLowerCase() : Buffer.from(kid, 'base64url').toString('hex');
    const k = this.index.serviceKeys().find((x) => x.kid === wanted);
    if (!k) throw notFound(`no service key with kid ${kid}`);
    const key = decodeCoseKey(new Uint8Array(Buffer.from(k.coseKey, 'base64')));
    reply.status(200).headers({ 'content-type': 'application/cose-key' }).send(encodeCoseKey(key));
  }
}
