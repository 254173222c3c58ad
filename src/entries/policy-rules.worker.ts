/**
 * The policy-rules thread (policy-rules.check.ts): for a large payload, parses it and evaluates the
 * registration policy's CEL rules here, off the HTTP thread, and answers with the verdicts (or the
 * content error as data). The rules come in `workerData` and are compiled once at start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { contentErrorData, isContentError, parseClaimContent, type ContentErrorData } from '../../libs/content/src/index.js';
import { claimActivation, compileRules, evaluateRules, type ClaimRule, type RuleVerdict, type StatementFactsLike } from '../../libs/ledger/src/index.js';
import { serveRpc } from '../../libs/threads/src/index.js';

export type RulesReply = { readonly verdicts: RuleVerdict[]; readonly error?: undefined } | { readonly verdicts?: undefined; readonly error: ContentErrorData };

export type PolicyRulesApi = {
  evaluate(facts: StatementFactsLike, payload: Uint8Array): RulesReply;
};

if (parentPort) {
  const compiled = compileRules((workerData as { rules: ClaimRule[] }).rules, 'rules').compiled;
  serveRpc<PolicyRulesApi>(parentPort, {
    evaluate(facts, payload) {
      try {
        return { verdicts: evaluateRules(compiled, claimActivation(facts, parseClaimContent(facts.contentType, payload))) };
      } catch (e) {
        if (isContentError(e)) return { error: contentErrorData(e) };
        throw e;
      }
    },
  });
}
