/**
 * Typed errors with stable `code`s. Messages follow `couldn't <verb> <object>: <why>` and never
 * contain credentials, tokens or `Authorization` headers.
 */

/** Codes of {@link OciError} raised outside a registry exchange. */
export type OciErrorCode =
  | 'ERR_OCI_REFERENCE_INVALID'
  | 'ERR_OCI_DIGEST_INVALID'
  | 'ERR_OCI_DIGEST_MISMATCH'
  | 'ERR_OCI_ARTIFACT_INVALID'
  | 'ERR_OCI_MANIFEST_INVALID'
  | 'ERR_OCI_LAYOUT_INVALID'
  | 'ERR_OCI_NOT_FOUND'
  | 'ERR_OCI_CREDENTIALS_INVALID'
  | 'ERR_OCI_INDEX_CONFLICT'
  | RegistryErrorCode;

/** Codes of {@link RegistryError}: one per class of registry answer. */
export type RegistryErrorCode =
  | 'ERR_OCI_UNAUTHORIZED' // 401 after authenticating (or no usable credentials)
  | 'ERR_OCI_DENIED' // 403
  | 'ERR_OCI_NOT_FOUND' // 404 (see registryCode: MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN …)
  | 'ERR_OCI_INVALID' // 400/405/409/413/416 and other 4xx: the registry refused the request
  | 'ERR_OCI_TOO_MANY_REQUESTS' // 429
  | 'ERR_OCI_UNAVAILABLE' // 5xx
  | 'ERR_OCI_NETWORK' // no HTTP answer (refused, reset, DNS, timeout)
  | 'ERR_OCI_PROTOCOL' // an answer that breaks the distribution spec (missing Location, bad JSON …)
  | 'ERR_OCI_DIGEST_MISMATCH'; // content whose digest differs from what was asked for

/** Base error of libs/oci. */
export class OciError extends Error {
  readonly code: OciErrorCode;
  constructor(code: OciErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OciError';
    this.code = code;
  }
}

/** One entry of a distribution-spec error body `{"errors":[{code,message,detail}]}`. */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

/**
 * An error answer from a registry (or no answer at all).
 * `status` is the HTTP status (0 when there was none); `registryCode` the first code of the
 * error body (e.g. `MANIFEST_UNKNOWN`), undefined for non-JSON bodies (distribution 2.8 answers
 * unknown routes with a plain-text 404).
 */
export class RegistryError extends OciError {
  declare readonly code: RegistryErrorCode;
  readonly status: number;
  readonly registryCode: string | undefined;
  readonly errors: readonly RegistryErrorEntry[];
  /** True when retrying later may succeed (429, 5xx, network). */
  readonly retryable: boolean;
  constructor(
    code: RegistryErrorCode,
    message: string,
    init: { status: number; errors?: readonly RegistryErrorEntry[]; cause?: unknown },
  ) {
    super(code, message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RegistryError';
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.registryCode = this.errors[0]?.code;
    this.retryable = code === 'ERR_OCI_TOO_MANY_REQUESTS' || code === 'ERR_OCI_UNAVAILABLE' || code === 'ERR_OCI_NETWORK';
  }
}

/** The error code for an HTTP status. */
export function codeForStatus(status: number): RegistryErrorCode {
  if (status === 401) return 'ERR_OCI_UNAUTHORIZED';
  if (status === 403) return 'ERR_OCI_DENIED';
  if (status === 404) return 'ERR_OCI_NOT_FOUND';
  if (status === 429) return 'ERR_OCI_TOO_MANY_REQUESTS';
  if (status >= 500) return 'ERR_OCI_UNAVAILABLE';
  if (status >= 400) return 'ERR_OCI_INVALID';
  return 'ERR_OCI_PROTOCOL';
}

/**
 * Parses a distribution-spec error body. Returns [] for anything else (plain text, HTML, empty).
 * @example parseErrorBody('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
 */
export function parseErrorBody(body: string): RegistryErrorEntry[] {
  if (!body.trimStart().startsWith('{')) return [];
  try {
    const parsed: unknown = JSON.parse(body);
    const errors = (parsed as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return [];
    const out: RegistryErrorEntry[] = [];
    for (const e of errors) {
      if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string') {
        const { code, message, detail } = e as { code: string; message?: unknown; detail?: unknown };
        out.push({ code, ...(typeof message === 'string' ? { message } : {}), ...(detail !== undefined ? { detail } : {}) });
      }
    }
    return out;
  } catch {
    return [];
  }
}
