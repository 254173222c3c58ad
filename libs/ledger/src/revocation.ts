/**
 * Revocation statements (docs/revocation.md). A revocation is an ordinary signed statement with
 * protected content type {@link REVOCATION_CONTENT_TYPE} whose payload is UTF-8 JSON
 * `{"revokes": ["<entry id>", …], "reason": "<text>"}`. It is registered like any other claim.
 */
import { JsonDuplicateKeyError, parseJsonStrict } from './strict-json.js';

export const REVOCATION_CONTENT_TYPE = 'application/vnd.scitt-ledger.revocation+json';

export interface RevocationPayload {
  readonly revokes: readonly string[];
  readonly reason: string;
}

export class RevocationFormatError extends Error {
  readonly code = 'ERR_REVOCATION_FORMAT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RevocationFormatError';
  }
}

const ENTRY_ID = /^[0-9a-f]{64}$/;
export const MAX_REVOKED_PER_STATEMENT = 256;

/** Parse and validate a revocation payload; throws {@link RevocationFormatError} saying what is wrong. */
export function parseRevocationPayload(payload: Uint8Array | null): RevocationPayload {
  if (!payload || payload.length === 0) throw new RevocationFormatError("couldn't parse revocation: the payload is empty (it must be attached)");
  let obj: unknown;
  try {
    obj = parseJsonStrict(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (cause) {
    if (cause instanceof JsonDuplicateKeyError) throw new RevocationFormatError(`couldn't parse revocation: the payload has the member ${JSON.stringify(cause.key)} twice (at ${cause.path}); duplicate JSON keys are refused`, { cause });
    throw new RevocationFormatError("couldn't parse revocation: the payload is not UTF-8 JSON", { cause });
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new RevocationFormatError("couldn't parse revocation: the payload is not a JSON object");
  const { revokes, reason } = obj as Record<string, unknown>;
  if (!Array.isArray(revokes) || revokes.length === 0) throw new RevocationFormatError("couldn't parse revocation: `revokes` must be a non-empty array of entry ids");
  if (revokes.length > MAX_REVOKED_PER_STATEMENT) throw new RevocationFormatError(`couldn't parse revocation: at most ${MAX_REVOKED_PER_STATEMENT} entries per revocation`);
  for (const id of revokes) {
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) throw new RevocationFormatError(`couldn't parse revocation: ${JSON.stringify(id)} is not an entry id (64 lowercase hex)`);
  }
  if (new Set(revokes).size !== revokes.length) throw new RevocationFormatError("couldn't parse revocation: `revokes` lists an entry twice");
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > 1024) throw new RevocationFormatError("couldn't parse revocation: `reason` must be a string of 1–1024 characters");
  return { revokes: revokes as string[], reason };
}
