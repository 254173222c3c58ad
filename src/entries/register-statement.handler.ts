import { Inject, Logger, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AdmittedEntry } from '../../libs/ledger/src/index.js';
import { toEntry } from '../../libs/receipt/src/index.js';
import { LogIndexStore } from '../log/log-index.store.js';
import type { Registered } from '../log/sequencer.js';
import { ENTRY_SINK, type EntrySink } from '../log/entry-sink.js';
import { CONFIG } from '../infrastructure/tokens.js';
import { ServiceMetrics } from '../metrics/service.metrics.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { entryIdOfEntry, statementIdOfDecoded } from '../log/statement-id.js';
import { StatementChecker } from './statement-checker.js';
import { malformedStatement } from './statement-rejection.js';
import { PolicyRulesCheck } from './policy-rules.check.js';
import { RegisterStatement, type RegistrationOutcome } from './register-statement.command.js';

@CommandHandler(RegisterStatement)
export class RegisterStatementHandler implements ICommandHandler<RegisterStatement, RegistrationOutcome> {
  private readonly logger = new Logger('register');
  constructor(
    private readonly index: LogIndexStore,
    @Inject(ENTRY_SINK) private readonly sequencer: EntrySink,
    private readonly checker: StatementChecker,
    private readonly rules: PolicyRulesCheck,
    @Inject(CONFIG) private readonly config: ServiceConfig,
    @Optional() private readonly metrics?: ServiceMetrics,
  ) {}

  async execute(cmd: RegisterStatement): Promise<RegistrationOutcome> {
    const startedAt = performance.now();
    let decoded: ReturnType<typeof toEntry>;
    try {
      // the body is ours and never changed: the statement's parts can be views into it
      decoded = toEntry(cmd.body, { maxSize: this.config.maxBodyBytes, byteStrings: 'view' });
    } catch (err) {
      throw malformedStatement(`not a COSE_Sign1 signed statement: ${(err as Error).message}`, (err as { code?: string }).code ?? 'ERR_MALFORMED', err);
    }
    const entryId = entryIdOfEntry(decoded.entry);
    // Statement identity (docs/receipts.md): the same signed content with a re-encoded signature
    // (ECDSA (r, n − s)) is the same statement. It is checked like any submission — a twin with a
    // signature that does not verify, or that the policy no longer admits, is refused — and then
    // answered with the first entry's id and receipt; it never becomes an entry of its own.
    // (a detached payload has no visible signed content: the checker refuses it below)
    const statementId = statementIdOfDecoded(decoded.statement, decoded.entry, entryId);
    // One index lookup per statement: the very entry (a resubmission, answered without a check) or
    // the statement's first entry (a twin, answered after the check). A statement that becomes
    // durable while this one is checked is answered by the sequencer (its queue by statement id,
    // then its index check before each batch), so no second lookup is needed here.
    const known = this.index.entryByIdOrStatement(entryId, statementId);
    if (known?.entryId === entryId) return { status: 'registered', entryId, index: known.index, receipt: this.index.receipt(entryId)! };
    const admitted = cmd.handedOver
      ? this.checker.admitHandedOver(decoded.statement, decoded.entry, cmd.body, { entryId, statementId }, cmd.handedOver.kid) // another node verified it
      : await this.admit(decoded, { entryId, statementId }, cmd.body.length, startedAt);
    if (known) return { status: 'registered', entryId: known.entryId, index: known.index, receipt: this.index.receipt(known.entryId)! };
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
    } finally {
      clearTimeout(timer);
    }
  }

  /** The checks (statement-checker.ts), then the policy's CEL rules (docs/policy.md#cel-rules). */
  private async admit(decoded: ReturnType<typeof toEntry>, ids: { entryId: string; statementId: string }, size: number, startedAt: number): Promise<AdmittedEntry> {
    const admitted = await this.checker.check(decoded.statement, decoded.entry, ids, size, new Date());
    await this.rules.check(decoded.statement, admitted);
    this.metrics?.checked(performance.now() - startedAt);
    return admitted;
  }
}
