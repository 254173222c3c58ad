/**
 * The policy-rules thread (policy-rules.check.ts): for a large payload, parses it and evaluates the
 * registration policy's CEL rules here, off the HTTP thread, and answers with the verdicts (or the
 * content error as data). The rules come in `workerData` and are compiled once at start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { contentErrorData, isContentError, parseClaimContent } from '../../libs/content/src/index.js';
import { claimActivation, compileRules, evaluateRules, type ClaimRule, type StatementFactsLike } from '../../libs/ledger/src/index.js';

export interface RulesRequest {
  readonly id: number;
  readonly facts: StatementFactsLike;
  readonly payload: Uint8Array;
}

const compiled = compileRules((workerData as { rules: ClaimRule[] }).rules, 'rules').compiled;

parentPort!.on('message', (m: RulesRequest) => {
  try {
    const content = parseClaimContent(m.facts.contentType, m.payload);
    parentPort!.postMessage({ id: m.id, verdicts: evaluateRules(compiled, claimActivation(m.facts, content)) });
  } catch (e) {
    if (isContentError(e)) parentPort!.postMessage({ id: m.id, error: contentErrorData(e) });
    else parentPort!.postMessage({ id: m.id, crash: String((e as Error)?.stack ?? e) });
  }
});
