/**
 * The Nest side of {@link AccessGate}: the credential was checked by its `onRequest` hook before
 * the body was read; once the body is parsed, this global guard applies the registration
 * policy's identity → issuer binding (403) before the registration handler runs.
 */
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessGate } from './access.gate.js';

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly gate: AccessGate) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    this.gate.checkSubmitter(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}
