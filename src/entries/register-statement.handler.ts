import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { toEntry } from '../../libs/receipt/src/index.js';
import { malformed, unavailable } from '../common/problem.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { SequencerError, type Registered } from '../log/sequencer.js';
import { ENTRY_SINK, type EntrySink } from '../log/entry-sink.js';
import { CONFIG } from '../infrastructure/tokens.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { statementIdOfStatement } from '../log/statement-id.js';
import { StatementChecker } from './statement-checker.js';
import { RegisterStatement, type RegistrationOutcome } from './register-statement.command.js';

@CommandHandler(RegisterStatement)
export class RegisterStatementHandler implements ICommandHandler<RegisterStatement, RegistrationOutcome> {
  private readonly logger = new Logger('register');
  constructor(
    private readonly index: LogIndexStore,
    @Inject(ENTRY_SINK) private readonly sequencer: EntrySink,
    private readonly checker: StatementChecker,
    @Inject(CONFIG) private readonly config: ServiceConfig,
  ) {}

  async execute(cmd: RegisterStatement): Promise<RegistrationOutcome> {
    let decoded: ReturnType<typeof toEntry>;
    try {
      decoded = toEntry(cmd.body, { maxSize: this.config.maxBodyBytes });
    } catch (err) {
      throw malformed(`not a COSE_Sign1 signed statement: ${(err as Error).message}`, (err as { code?: string }).code ?? 'ERR_MALFORMED', err);
    }
    // = entryIdOf(entry); node:crypto here, 15× faster than the library's portable SHA-256
    const entryId = createHash('sha256').update(decoded.entry).digest('hex');
    const known = this.index.entryById(entryId);
    if (known) return { status: 'registered', entryId, index: known.index, receipt: this.index.receipt(entryId)! };
    // Statement identity (docs/receipts.md): the same signed content with a re-encoded signature
    // (ECDSA (r, n − s)) is the same statement. It is checked like any submission — a twin with a
    // signature that does not verify, or that the policy no longer admits, is refused — and then
    // answered with the first entry's id and receipt; it never becomes an entry of its own.
    // (a detached payload has no visible signed content: the checker refuses it below)
    const statementId = decoded.statement.payload === null ? entryId : statementIdOfStatement(decoded.statement);
    const admitted = await this.checker.check(decoded.statement, decoded.entry, { entryId, statementId }, cmd.body.length, new Date());
    const first = this.index.entryByStatement(statementId);
    if (first) return { status: 'registered', entryId: first.entryId, index: first.index, receipt: this.index.receipt(first.entryId)! };
    const done: Promise<Registered> = this.sequencer.submit(admitted);
    if (cmd.respondAsync) {
      done.catch(() => undefined);
      return { status: 'pending', entryId: this.sequencer.pendingEntryOf(statementId) ?? entryId };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.registerWaitMs);
    });
    try {
      const r = await Promise.race([done, timeout]);
      if (r === 'timeout') return { status: 'pending', entryId: this.sequencer.pendingEntryOf(statementId) ?? entryId };
      if (cmd.requestId !== undefined) this.logger.debug({ msg: `entry ${r.entryId} registered at index ${r.index}`, reqId: cmd.requestId });
      return { status: 'registered', entryId: r.entryId, index: r.index, receipt: r.receipt };
    } catch (err) {
      throw this.problemOf(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sequencer refusals are 503 + Retry-After: when the sequencer knows its next recovery attempt,
   * that; a full queue soon; a shutting-down service later.
   */
  private problemOf(err: unknown): unknown {
    if (!(err instanceof SequencerError)) return err;
    const retryAfter = err.retryAfterSeconds ?? (err.code === 'ERR_SEQUENCER_STOPPED' ? 30 : 1);
    return unavailable(err.message, retryAfter, err.code);
  }
}
