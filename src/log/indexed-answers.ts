/**
 * The sequencer's answers from the log index for statements the log already holds — re-sent after
 * an append that failed but landed, or registered while their twin was being checked. The index
 * holds only durable entries; a statement is looked up by statement id, so a twin gets the first
 * entry. A failing read is logged and answers "unknown" (the caller then sequences or refuses).
 */
import type { Logger } from '@nestjs/common';
import type { LogIndexStore } from './log-index.store.js';
import { messageOf } from './sequencer.errors.js';
import type { Registered, Waiter } from './sequencer.queue.js';

export class IndexedAnswers {
  constructor(
    private readonly index: Pick<LogIndexStore, 'knownStatements' | 'entryByStatement' | 'receipt'>,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  /** The batch's statement ids that the index holds; undefined if the index can't say (check each). */
  known(batch: readonly Waiter[]): Set<string> | undefined {
    try {
      return this.index.knownStatements(batch.map((w) => w.entry.statementId));
    } catch (err) {
      this.logger.error(`couldn't read the log index: ${messageOf(err)}`);
      return undefined;
    }
  }

  /** The registration of a statement the index holds, with its stored receipt; undefined otherwise. */
  registered(statementId: string): Registered | undefined {
    try {
      const known = this.index.entryByStatement(statementId);
      const receipt = known && this.index.receipt(known.entryId);
      return known && receipt ? { entryId: known.entryId, index: known.index, treeSize: known.receiptTreeSize, receipt } : undefined;
    } catch (err) {
      this.logger.error(`couldn't read the log index: ${messageOf(err)}`);
      return undefined;
    }
  }
}
