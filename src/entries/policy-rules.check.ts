/**
 * The registration policy's CEL rules (docs/policy.md#cel-rules), applied after the statement
 * checks passed: the claim model (its parsed content, its envelope) must pass every rule whose
 * `when` holds, or the statement is refused — 400 problem details naming the rule — and nothing is
 * appended. The expressions were compiled and type-checked when the policy was loaded (a bad one
 * stops the service), so what can go wrong here is the document: an evaluation error or an overrun
 * budget refuses the statement too (fail closed), with its own code.
 */
import { HeaderLabel, type CoseSign1 } from '../../libs/cose/src/index.js';
import { claimActivation, compileRules, evaluateRules, type ClaimContentLike, type CompiledRule, type RegistrationPolicy } from '../../libs/ledger/src/index.js';
import { malformed, ProblemError } from '../common/problem.js';

/** Parses a payload into the content model (libs/content `parseClaimContent`); throws a coded error when malformed. */
export type ContentParser = (contentType: string, payload: Uint8Array) => ClaimContentLike;

export class PolicyRulesCheck {
  private readonly compiled: readonly CompiledRule[];

  constructor(
    policy: RegistrationPolicy,
    private readonly parse: ContentParser,
  ) {
    this.compiled = compileRules(policy.rules ?? [], 'rules').compiled;
  }

  /** Throws a problem-details error when a rule refuses the statement. */
  check(statement: CoseSign1, facts: { iss: string; sub: string; contentType: string }): void {
    if (this.compiled.length === 0) return;
    const hashEnvelope = statement.protectedHeader.has(HeaderLabel.payloadHashAlg);
    let content: ClaimContentLike | null = null;
    if (!hashEnvelope && statement.payload) {
      try {
        content = this.parse(facts.contentType, statement.payload);
      } catch (e) {
        throw malformed(`couldn't read the payload as ${facts.contentType}: ${(e as Error).message}`, (e as { code?: string }).code ?? 'ERR_CONTENT_MALFORMED', e);
      }
    }
    const verdicts = evaluateRules(this.compiled, claimActivation({ ...facts, hashEnvelope }, content));
    const failed = verdicts.find((v) => !v.ok);
    if (!failed) return;
    const code = failed.error === 'budget' ? 'ERR_POLICY_RULE_BUDGET' : failed.error === 'evaluation' ? 'ERR_POLICY_RULE_ERROR' : 'ERR_POLICY_RULE';
    throw new ProblemError(400, 'Rejected', `the registration policy's ${failed.reason}`, code);
  }
}
