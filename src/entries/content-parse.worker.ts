/**
 * The content-parsing thread (content-parse.pool.ts): parses one payload per message and answers
 * with its summary or its content error as data. Nothing else runs here.
 */
import { parentPort } from 'node:worker_threads';
import { contentErrorData, isContentError, parseClaimContent, summariseContent, type ContentLimits } from '../../libs/content/src/index.js';

export interface ParseRequest {
  readonly id: number;
  readonly contentType: string;
  readonly payload: Uint8Array;
  readonly limits: Partial<ContentLimits>;
}

parentPort!.on('message', (m: ParseRequest) => {
  try {
    parentPort!.postMessage({ id: m.id, summary: summariseContent(parseClaimContent(m.contentType, m.payload, m.limits)) });
  } catch (e) {
    if (isContentError(e)) parentPort!.postMessage({ id: m.id, error: contentErrorData(e) });
    else parentPort!.postMessage({ id: m.id, crash: String((e as Error)?.stack ?? e) });
  }
});
