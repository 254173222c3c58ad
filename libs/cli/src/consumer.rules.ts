/**
 * The consumer policy's CEL rules (docs/policy.md#cel-rules) on the claims `scitt verify` found:
 * every live claim (verified, not revoked, not superseded) whose `when` holds must pass `require`.
 * A payload of a known type that can't be parsed, an evaluation error or an overrun budget fails
 * the rule for that claim (fail closed). The expressions were compiled when the policy was read.
 */
import { claimActivation, evaluateRules, type ClaimContentLike, type CompiledRule } from '../../ledger/src/index.js';
import { splitTransparentStatement } from '../../receipt/src/index.js';
import type { ClaimInput, ClaimReport } from './claim.verifier.js';

/** The verdict of one rule on one claim that it applies to. */
export interface ConsumerRuleResult {
  rule: string;
  entryId: string;
  ok: boolean;
  reason?: string;
}

export type ContentParser = (contentType: string, payload: Uint8Array) => ClaimContentLike;

const live = (c: ClaimReport): boolean => c.kind === 'claim' && c.ok && c.entryId !== undefined && !c.revokedBy?.length && !c.supersededBy?.length;

/**
 * Evaluates the rules on every live claim (`inputs[i]` is what `reports[i]` was verified from).
 * @example evaluateConsumerRules(policy.rules, inputs, reports, parseClaimContent).filter((r) => !r.ok)
 */
export function evaluateConsumerRules(rules: readonly CompiledRule[], inputs: readonly ClaimInput[], reports: readonly ClaimReport[], parse: ContentParser): ConsumerRuleResult[] {
  if (rules.length === 0) return [];
  const out: ConsumerRuleResult[] = [];
  const done = new Set<string>();
  reports.forEach((r, i) => {
    if (!live(r) || done.has(r.entryId!)) return;
    done.add(r.entryId!);
    const statement = splitTransparentStatement(inputs[i]!.statement!).statement;
    let content: ClaimContentLike | null = null;
    if (!r.hashEnvelope && statement.payload) {
      try {
        content = parse(r.contentType ?? '', statement.payload);
      } catch (e) {
        for (const rule of rules) out.push({ rule: rule.rule.name, entryId: r.entryId!, ok: false, reason: `rule ${rule.rule.name}: couldn't read the payload as ${r.contentType}: ${(e as Error).message}` });
        return;
      }
    }
    const facts = { iss: r.iss ?? '', sub: r.sub ?? '', contentType: r.contentType ?? '', hashEnvelope: Boolean(r.hashEnvelope) };
    for (const v of evaluateRules(rules, claimActivation(facts, content))) {
      if (v.applies || !v.ok) out.push({ rule: v.rule, entryId: r.entryId!, ok: v.ok, ...(v.reason ? { reason: v.reason } : {}) });
    }
  });
  return out;
}
