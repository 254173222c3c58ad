/**
 * The content-parsing thread (content-parse.pool.ts): parses one payload per call and answers with
 * its summary, or its content error as data. Nothing else runs here.
 */
import { parentPort } from 'node:worker_threads';
import { contentErrorData, isContentError, parseClaimContent, summariseContent, type ContentErrorData, type ContentLimits, type ContentSummary } from '../../libs/content/src/index.js';
import { serveRpc } from '../../libs/threads/src/index.js';

export type ParseReply = { readonly summary: ContentSummary; readonly error?: undefined } | { readonly summary?: undefined; readonly error: ContentErrorData };

export type ContentParseApi = {
  parse(contentType: string, payload: Uint8Array, limits: Partial<ContentLimits>): ParseReply;
};

if (parentPort) {
  serveRpc<ContentParseApi>(parentPort, {
    parse(contentType, payload, limits) {
      try {
        return { summary: summariseContent(parseClaimContent(contentType, payload, limits)) };
      } catch (e) {
        if (isContentError(e)) return { error: contentErrorData(e) };
        throw e;
      }
    },
  });
}
