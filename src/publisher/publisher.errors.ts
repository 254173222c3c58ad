/** Typed errors of the referrer publisher, with stable codes. */
export type PublisherErrorCode =
  /** the entry's bytes or receipt are not in the log index yet (it lags the event store briefly) */
  | 'ERR_PUBLISH_NOT_INDEXED'
  /** the subject's registry has no manifest with the subject digest (yet) */
  | 'ERR_PUBLISH_SUBJECT_NOT_FOUND'
  /** the layout does not hold the subject and OCI_SUBJECT_LOOKUP=layout forbids asking its registry */
  | 'ERR_PUBLISH_SUBJECT_UNKNOWN';

export class PublisherError extends Error {
  readonly code: PublisherErrorCode;
  constructor(code: PublisherErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublisherError';
    this.code = code;
  }
}

/** `code` and a one-line message of any error, for the status table (bounded length, no stack). */
export function describeError(err: unknown): { code: string; message: string } {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'ERR_PUBLISH_FAILED';
  const message = err instanceof Error ? err.message : String(err);
  return { code, message: message.length > 1000 ? message.slice(0, 1000) + '…' : message };
}

/** True for failures of a whole registry (network, 5xx, 429): the host is paused, not just the entry. */
export function isRegistryOutage(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'ERR_OCI_NETWORK' || code === 'ERR_OCI_UNAVAILABLE' || code === 'ERR_OCI_TOO_MANY_REQUESTS';
}
