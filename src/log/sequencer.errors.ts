/** Why the sequencer refused or failed a statement; every code maps to 503 + Retry-After in the handler. */
export type SequencerErrorCode =
  /** the queue is full (count or bytes): backpressure */
  | 'ERR_SEQUENCER_QUEUE_FULL'
  /** the service is shutting down */
  | 'ERR_SEQUENCER_STOPPED'
  /** the event store refused or failed the append; nothing of the statement is in the log */
  | 'ERR_SEQUENCER_APPEND_FAILED'
  /** the checkpoint could not be signed; nothing was appended */
  | 'ERR_SEQUENCER_SIGN_FAILED'
  /** the log could not be reloaded from the event store (after a failure): what landed is unknown */
  | 'ERR_SEQUENCER_RELOAD_FAILED'
  /** another writer appended to the log's stream: this instance stopped rather than fork the log */
  | 'ERR_SEQUENCER_OTHER_WRITER'
  /** this node does not lead the log (it stepped down, or no leader is reachable to hand the statement to) */
  | 'ERR_SEQUENCER_NOT_LEADER';

export class SequencerError extends Error {
  constructor(
    readonly code: SequencerErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'SequencerError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** when a retry may succeed, if the sequencer knows (its next recovery attempt) */
  readonly retryAfterSeconds: number | undefined;
}

/** The message of anything thrown, for log lines and problem details. */
export const messageOf = (err: unknown): string => String((err as Error)?.message ?? err);
