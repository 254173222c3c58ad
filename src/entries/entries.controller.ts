import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toTransparentStatement } from '../../libs/receipt/src/index.js';
import { malformed, notFound, ProblemError } from '../common/problem.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { Sequencer } from '../log/sequencer.js';
import { RegisterStatement, type RegistrationOutcome } from './register-statement.command.js';
import { registrationProblem } from './registration.problems.js';

export const COSE = 'application/cose';
export const STATEMENT_MEDIA_TYPE = 'application/scitt-statement+cose';
const ENTRY_ID = /^[0-9a-f]{64}$/;

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
    private readonly sequencer: Sequencer,
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
    const location = `/entries/${outcome.entryId}`;
    if (outcome.status === 'pending') {
      reply.status(303).headers({ location, 'retry-after': '1' }).send();
      return;
    }
    reply.status(201).headers({ location, 'content-type': COSE }).send(Buffer.from(outcome.receipt));
  }

  @Get(':id')
  receipt(@Param('id') id: string, @Res() reply: FastifyReply): void {
    this.checkId(id);
    const receipt = this.index.receipt(id);
    if (receipt) {
      reply.status(200).headers({ 'content-type': COSE }).send(Buffer.from(receipt));
      return;
    }
    if (this.sequencer.isPending(id)) {
      reply.status(302).headers({ location: `/entries/${id}`, 'retry-after': '1' }).send();
      return;
    }
    throw notFound(`no entry ${id} in this log`);
  }

  @Get(':id/statement')
  statement(@Param('id') id: string, @Res() reply: FastifyReply): void {
    this.checkId(id);
    const entry = this.index.entryBytes(id);
    const receipt = this.index.receipt(id);
    if (!entry || !receipt) {
      if (this.sequencer.isPending(id)) {
        reply.status(302).headers({ location: `/entries/${id}/statement`, 'retry-after': '1' }).send();
        return;
      }
      throw notFound(`no entry ${id} in this log`);
    }
    reply.status(200).headers({ 'content-type': STATEMENT_MEDIA_TYPE }).send(Buffer.from(toTransparentStatement(entry, [receipt])));
  }

  private checkId(id: string): void {
    if (!ENTRY_ID.test(id)) throw new ProblemError(404, 'Not Found', `${JSON.stringify(id)} is not an entry id (64 lowercase hex digits)`, 'ERR_NOT_FOUND');
  }
}
