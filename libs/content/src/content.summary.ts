/**
 * A small, cloneable digest of {@link ParsedContent}: what registration needs (kind, subjects,
 * predicate, builder, counts) without the document, so a parse done in a worker thread does not
 * pay for copying a 5,000-component document back.
 */
import { ContentError, ContentFormatError, ContentLimitError, type ContentFormat } from './content.errors.js';
import type { ContentKind, ContentSubject, ParsedContent } from './content.model.js';

export interface ContentSummary {
  readonly kind: ContentKind;
  readonly contentType: string;
  readonly subjects: readonly ContentSubject[];
  readonly predicateType: string | null;
  readonly builder: { readonly id: string } | null;
  readonly buildType: string | null;
  readonly components: number;
  readonly vex: number;
}

export function summariseContent(c: ParsedContent): ContentSummary {
  return {
    kind: c.kind, contentType: c.contentType, subjects: c.subjects, predicateType: c.predicateType,
    builder: c.builder, buildType: c.buildType, components: c.components.length, vex: c.vex.length,
  };
}

/** A content error as plain data (for a thread boundary), and back. */
export type ContentErrorData =
  | { readonly code: 'ERR_CONTENT_MALFORMED'; readonly format: ContentFormat; readonly field: string; readonly reason: string }
  | { readonly code: 'ERR_CONTENT_LIMIT'; readonly format: ContentFormat; readonly field: string; readonly limit: string; readonly max: number };

export function contentErrorData(e: ContentError): ContentErrorData {
  return e instanceof ContentFormatError
    ? { code: e.code, format: e.format, field: e.field, reason: e.reason }
    : { code: e.code, format: e.format, field: e.field, limit: e.limit, max: e.max };
}

export function contentErrorOf(d: ContentErrorData): ContentError {
  return d.code === 'ERR_CONTENT_MALFORMED' ? new ContentFormatError(d.format, d.field, d.reason) : new ContentLimitError(d.format, d.field, d.limit, d.max);
}
