/**
 * Explicit supersession (docs/revocation.md#supersession): a signed statement may name, in its
 * protected header, the earlier entry it supersedes. The label is in COSE's private-use range
 * (integers below −65536, RFC 9052 §16.2 / IANA "COSE Header Parameters"), so it can never collide
 * with a registered label:
 *
 * `-65537 (supersedes): tstr` — the superseded entry's id, exactly 64 lowercase hex digits.
 *
 * Also: what a claim is about (its *kind*) and the subject digest claims are keyed by.
 */

/** Protected header label carrying the superseded entry id (private use). */
export const SUPERSEDES_HEADER_LABEL = -65537;

const ENTRY_ID = /^[0-9a-f]{64}$/;
const DIGEST_AT_END = /@(sha256:[0-9a-f]{64})$/;
const BARE_DIGEST = /^sha256:[0-9a-f]{64}$/;

export class SupersedesFormatError extends Error {
  readonly code = 'ERR_SUPERSEDES_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'SupersedesFormatError';
  }
}

/**
 * The superseded entry id a protected header names, or null when the header has no such label.
 * @throws SupersedesFormatError when the value is not a text string of 64 lowercase hex digits
 * @example supersededEntryOf(statement.protectedHeader) // 'ab12…' | null
 */
export function supersededEntryOf(protectedHeader: ReadonlyMap<number | string, unknown>): string | null {
  if (!protectedHeader.has(SUPERSEDES_HEADER_LABEL)) return null;
  const v = protectedHeader.get(SUPERSEDES_HEADER_LABEL);
  if (typeof v !== 'string' || !ENTRY_ID.test(v)) {
    throw new SupersedesFormatError(`couldn't read supersedes (${SUPERSEDES_HEADER_LABEL}): it must be an entry id as a text string of 64 lowercase hex digits`);
  }
  return v;
}

/**
 * The collection digest a subject names: `sha256:<hex>` for `[oci://]registry/repo[:tag]@sha256:<hex>`
 * or a bare `sha256:<hex>`; null for any other subject.
 * @example subjectDigestOf('oci://r.example/app@sha256:ab…') // 'sha256:ab…'
 */
export function subjectDigestOf(sub: string): string | null {
  if (BARE_DIGEST.test(sub)) return sub;
  const m = DIGEST_AT_END.exec(sub);
  return m ? m[1]! : null;
}

/**
 * A claim's kind: what it is about. Today its content type (label 3, or 259 for a hash envelope);
 * the claim-contents work adds the in-toto predicate type (`<content type>;predicate=<uri>`).
 */
export function claimKindOf(contentType: string): string {
  return contentType;
}
