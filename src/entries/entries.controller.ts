import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toTransparentStatement } from '../../libs/receipt/src/index.js';
import { malformed, notFound, ProblemError } from '../common/problem.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { LogNode } from '../log/log-node.js';
import { RegisterStatement, type RegistrationOutcome } from './register-statement.command.js';
import { registrationProblem } from './registration.problems.js';

export const COSE = 'application/cose';
export const STATEMENT_MEDIA_TYPE = 'application/scitt-statement+cose';
const ENTRY_ID = /^[0-9a-f]{64}$/;

/** A registration's answer (SCRAPI): 201 + the receipt, or 303 + Location while it is pending. */
export function sendOutcome(reply: FastifyReply, outcome: RegistrationOutcome): void {
  const location = `/entries/${outcome.entryId}`;
  if (outcome.status === 'pending') {
    reply.status(303).headers({ location, 'retry-after': '1' }).send();
    return;
  }
  // fastify sends a Uint8Array as a Buffer over the same memory: the receipt is not copied again
  reply.status(201).headers({ location, 'content-type': COSE }).send(outcome.receipt);
}

/**
 * SCRAPI: register signed statements, fetch receipts and transparent statements. A refused
 * registration becomes problem details here (registration.problems.ts), not in the checks.
 * Who may register, and rate limiting, is the global guard's (src/auth/auth.guard.ts).
 */
@Controller('entries')
export class EntriesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly index: LogIndexStore,
    private readonly sequencer: LogNode,
  ) {}

  @Post()
  async register(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = req.body;
    if (!(body instanceof Uint8Array) || body.length === 0) throw malformed('the body must be a COSE_Sign1 signed statement (application/cose)', 'ERR_EMPTY_BODY');
    const prefer = String(req.headers.prefer ?? '');
    let outcome: RegistrationOutcome;
    try {
      outcome = await this.commands.execute(new RegisterStatement(body, /\brespond-async\b/i.test(prefer), req.id));
    } catch (err) {
      throw registrationProblem(err); // typed refusals (checks, sequencer) → problem details
    }
    sendOutcome(reply, outcome);
  }

  @Get(':id')
  async receipt(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    this.checkId(id);
    const receipt = this.index.receipt(id) ?? (await this.caughtUp(() => this.index.receipt(id)));
    if (receipt) {
      reply.status(200).headers({ 'content-type': COSE }).send(receipt);
      return;
    }
    if (this.sequencer.isPending(id)) {
      reply.status(302).headers({ location: `/entries/${id}`, 'retry-after': '1' }).send();
      return;
    }
    throw notFound(`no entry ${id} in this log`);
  }

  @Get(':id/statement')
  async statement(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    this.checkId(id);
    if (!this.index.receipt(id)) await this.caughtUp(() => this.index.receipt(id));
    const entry = this.index.entryBytes(id);
    const receipt = this.index.receipt(id);
    if (!entry || !receipt) {
      if (this.sequencer.isPending(id)) {
        reply.status(302).headers({ location: `/entries/${id}/statement`, 'retry-after': '1' }).send();
        return;
      }
      throw notFound(`no entry ${id} in this log`);
    }
    reply.status(200).headers({ 'content-type': STATEMENT_MEDIA_TYPE }).send(toTransparentStatement(entry, [receipt]));
  }

  /**
   * Read-your-writes across nodes: an entry this node does not hold may have been registered
   * through another one. A follower waits (bounded, 2 s) until its index holds what the store
   * holds now, then looks again; a leader's index is the store's already.
   */
  private async caughtUp<T>(look: () => T | undefined): Promise<T | undefined> {
    if (this.sequencer.role === 'leader') return undefined;
    await this.sequencer.catchUpToStore(2000);
    return look();
  }

  private checkId(id: string): void {
    if (!ENTRY_ID.test(id)) throw new ProblemError(404, 'Not Found', `${JSON.stringify(id)} is not an entry id (64 lowercase hex digits)`, 'ERR_NOT_FOUND');
  }
}
