/**
 * The registration policy's CEL rules (docs/policy.md#cel-rules), applied after the statement
 * checks passed: the claim model (its parsed content, its envelope) must pass every rule whose
 * `when` holds, or the statement is refused — 400 problem details naming the rule — and nothing is
 * appended. The expressions were compiled and type-checked when the policy was loaded (a bad one
 * stops the service), so what can go wrong here is the document: an evaluation error or an overrun
 * budget refuses the statement too (fail closed), with its own code.
 *
 * Where: a payload up to `inlineBytes` (64 KiB) is parsed and evaluated on the calling thread; a
 * larger one on the rules thread (policy-rules.worker.ts) — parsing a 500-component SBOM costs
 * tens of milliseconds or more (docs/policy.md#bounds-hostile-expressions-huge-documents).
 */
import { Worker } from 'node:worker_threads';
import { HeaderLabel, type CoseSign1 } from '../../libs/cose/src/index.js';
import { contentErrorOf, isContentError, parseClaimContent } from '../../libs/content/src/index.js';
import { claimActivation, compileRules, evaluateRules, type CompiledRule, type RegistrationPolicy, type RuleVerdict, type StatementFactsLike } from '../../libs/ledger/src/index.js';
import { OnDemandWorker } from '../common/on-demand-worker.js';
import { malformed, ProblemError, unavailable } from '../common/problem.js';
import type { PolicyRulesApi } from './policy-rules.worker.js';

const threadFailed = (why: string): ProblemError => unavailable(`couldn't evaluate the policy rules: the rules thread ${why}`, 1, 'ERR_POLICY_RULES_THREAD');

export class PolicyRulesCheck {
  private readonly compiled: readonly CompiledRule[];
  private readonly worker: OnDemandWorker<PolicyRulesApi>;
  /** claims evaluated inline / on the rules thread, for tests */
  readonly counts = { inline: 0, worker: 0 };

  constructor(
    private readonly policy: RegistrationPolicy,
    private readonly inlineBytes = 64 * 1024,
  ) {
    this.compiled = compileRules(policy.rules ?? [], 'rules').compiled;
    this.worker = new OnDemandWorker(
      () => new Worker(new URL('./policy-rules.worker.js', import.meta.url), { workerData: { rules: policy.rules ?? [] } }),
      (reason) => threadFailed(reason instanceof Error ? `failed: ${reason.message}` : 'is gone'),
    );
  }

  /** Throws a problem-details error when a rule refuses the statement. */
  async check(statement: CoseSign1, facts: { iss: string; sub: string; contentType: string }): Promise<void> {
    if (this.compiled.length === 0) return;
    const hashEnvelope = statement.protectedHeader.has(HeaderLabel.payloadHashAlg);
    const f: StatementFactsLike = { iss: facts.iss, sub: facts.sub, contentType: facts.contentType, hashEnvelope };
    const payload = hashEnvelope ? null : statement.payload;
    let verdicts: RuleVerdict[];
    try {
      verdicts = payload && payload.byteLength > this.inlineBytes ? await this.onWorker(f, payload) : this.inline(f, payload);
    } catch (e) {
      if (isContentError(e)) throw malformed(`couldn't read the payload as ${facts.contentType}: ${e.message}`, e.code, e);
      throw e;
    }
    const failed = verdicts.find((v) => !v.ok);
    if (!failed) return;
    const code = failed.error === 'budget' ? 'ERR_POLICY_RULE_BUDGET' : failed.error === 'evaluation' ? 'ERR_POLICY_RULE_ERROR' : 'ERR_POLICY_RULE';
    throw new ProblemError(400, 'Rejected', `the registration policy's ${failed.reason}`, code);
  }

  private inline(f: StatementFactsLike, payload: Uint8Array | null): RuleVerdict[] {
    this.counts.inline++;
    return evaluateRules(this.compiled, claimActivation(f, payload ? parseClaimContent(f.contentType, payload) : null));
  }

  private async onWorker(facts: StatementFactsLike, payload: Uint8Array): Promise<RuleVerdict[]> {
    this.counts.worker++;
    let r: Awaited<ReturnType<PolicyRulesApi['evaluate']>>;
    try {
      r = await this.worker.call('evaluate', [facts, payload]);
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      throw threadFailed(`failed (${(err as Error).message})`);
    }
    if (r.error) throw contentErrorOf(r.error);
    return r.verdicts;
  }

  close(): Promise<void> {
    return this.worker.close(unavailable("couldn't evaluate the policy rules: the service is stopping", 30, 'ERR_POLICY_RULES_THREAD'));
  }
}
