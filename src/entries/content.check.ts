/**
 * The content check of registration (docs/policy.md#content, docs/content.md): a payload of a
 * known content type must parse (a malformed one is refused with the field named, and nothing is
 * appended), and an in-toto statement must list the signed statement's subject digest among its
 * subjects unless the policy turns that off (`requireInTotoSubjectMatch: false`). Runs after the
 * signature and admission checks, so an unauthenticated request never costs a parse.
 */
import { HeaderLabel, type CoseSign1 } from '../../libs/cose/src/index.js';
import { isContentError, type ContentSummary } from '../../libs/content/src/index.js';
import { subjectDigestOf, type RegistrationPolicy } from '../../libs/ledger/src/index.js';
import { ProblemError, rejected, unavailable } from '../common/problem.js';
import { ContentParseError, type ContentParsePool } from './content-parse.pool.js';

export class ContentCheck {
  constructor(
    private readonly policy: RegistrationPolicy,
    private readonly parser: ContentParsePool,
  ) {}

  /**
   * The content summary of an admitted statement, or null for a hash envelope (its payload is a
   * digest, not the document).
   * @throws ProblemError 400 ERR_CONTENT_MALFORMED / ERR_CONTENT_LIMIT / ERR_CONTENT_SUBJECT_MISMATCH, 503 ERR_CONTENT_PARSER
   */
  async check(statement: CoseSign1, contentType: string, sub: string): Promise<ContentSummary | null> {
    if (statement.payload === null || statement.protectedHeader.has(HeaderLabel.payloadHashAlg)) return null;
    let summary: ContentSummary;
    try {
      summary = await this.parser.parse(contentType, statement.payload);
    } catch (e) {
      if (isContentError(e)) throw new ProblemError(400, e.code === 'ERR_CONTENT_LIMIT' ? 'Rejected' : 'Malformed request', e.message, e.code, {}, { cause: e });
      if (e instanceof ContentParseError) throw unavailable(e.message, 1, e.code);
      throw e;
    }
    if (summary.kind === 'intoto' && this.policy.requireInTotoSubjectMatch !== false) {
      const digest = subjectDigestOf(sub);
      const listed = summary.subjects.flatMap((s) => s.digests);
      if (digest === null) {
        throw rejected(`the in-toto statement's subjects can't match the signed statement's subject ${JSON.stringify(sub.slice(0, 200))}: it names no sha256 digest`, 'ERR_CONTENT_SUBJECT_MISMATCH');
      }
      if (!listed.includes(digest)) {
        const shown = listed.slice(0, 5).join(', ') + (listed.length > 5 ? `, … (${listed.length})` : '');
        throw rejected(`the in-toto statement's subjects (${shown}) do not include the signed statement's subject digest ${digest}`, 'ERR_CONTENT_SUBJECT_MISMATCH');
      }
    }
    return summary;
  }
}
