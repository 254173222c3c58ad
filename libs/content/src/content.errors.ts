/**
 * Coded errors of content parsing. Both name the field (a JSON pointer, RFC 6901, `''` for the
 * whole document) so a registration can answer "400: /components/3/purl: not a package URL".
 */

/** The display name of each format, used in messages. */
export type ContentFormat = 'CycloneDX' | 'SPDX' | 'in-toto' | 'SLSA provenance' | 'OpenVEX';

/** A payload of a known content type that does not follow its format. */
export class ContentFormatError extends Error {
  readonly code = 'ERR_CONTENT_MALFORMED';
  constructor(
    readonly format: ContentFormat,
    /** JSON pointer of the offending field, `''` for the whole document. */
    readonly field: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`couldn't parse the ${format} document: ${field === '' ? '(document)' : field}: ${reason}`, options);
    this.name = 'ContentFormatError';
  }
}

/** A payload past a parsing bound (ContentLimits): refused whole, never indexed in part. */
export class ContentLimitError extends Error {
  readonly code = 'ERR_CONTENT_LIMIT';
  constructor(
    readonly format: ContentFormat,
    readonly field: string,
    /** The ContentLimits member that was exceeded, e.g. `maxComponents`. */
    readonly limit: string,
    readonly max: number,
  ) {
    super(`couldn't parse the ${format} document: ${field === '' ? '(document)' : field}: more than ${limit} = ${max}`);
    this.name = 'ContentLimitError';
  }
}

export type ContentError = ContentFormatError | ContentLimitError;

export function isContentError(e: unknown): e is ContentError {
  return e instanceof ContentFormatError || e instanceof ContentLimitError;
}
