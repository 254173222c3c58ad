/**
 * CEL rules over the claim model (docs/policy.md#cel-rules), shared by the registration policy and
 * the consumer policy. A rule is `{ name, when?, require, message? }`: when `when` (default true)
 * holds for a claim, `require` must hold too, or the claim fails the rule.
 *
 * Every expression is parsed AND type-checked against the claim model when the policy is loaded:
 * a syntax error, an unknown variable or field (`claim.kidn`), a wrong type (`claim.kind == 1`) or a
 * non-boolean result is a {@link RuleCompileError} naming the rule, the expression and the line and
 * column — never a surprise at request time. Evaluation is bounded: parse limits on the expression
 * (size, AST nodes, depth) and a wall-clock budget per evaluation (`./cel.bound.ts`); an expression
 * that errors or runs out of budget on some document fails closed (the claim fails the rule).
 * Implementation: @marcbachmann/cel-js (why: docs/policy.md#which-cel).
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { CLAIM_MODEL_TYPES, type ClaimActivation } from './claim.model.js';
import { runBounded, BudgetExceededError } from './cel.bound.js';

/** One rule as written in a policy file. */
export interface ClaimRule {
  /** a short stable name, reported in refusals (`no-denied-licences`) */
  readonly name: string;
  /** CEL: which claims the rule is about (default: every claim) */
  readonly when?: string;
  /** CEL: what must hold for them */
  readonly require: string;
  /** a sentence for people, added to refusals */
  readonly message?: string;
}

export const MAX_EXPRESSION_CHARS = 4096;
/**
 * Default wall-clock budget of all rules on one claim. Generous on purpose: a budget near the real
 * cost would refuse honest claims on a loaded machine (the watchdog's clock is the wall clock);
 * it exists to stop a quadratic-or-worse expression on a huge document, which takes seconds.
 */
export const DEFAULT_RULE_BUDGET_MS = 500;

export class RuleCompileError extends Error {
  readonly code = 'ERR_POLICY_RULE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'RuleCompileError';
  }
}

interface CelErrorLike {
  summary?: string;
  message: string;
  range?: { start: number };
}

/** `line L, column C` of a character offset (1-based). */
export function positionOf(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

let shared: Environment | undefined;
/** The CEL environment of the claim model (typed: unknown fields are load-time errors). */
export function claimEnvironment(): Environment {
  if (shared) return shared;
  let env = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 48, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 } });
  for (const t of ['Component', 'Vex', 'Subject', 'Builder', 'Claim', 'Statement']) env = env.registerType(t, { fields: { ...CLAIM_MODEL_TYPES[t]! } });
  shared = env.registerVariable('claim', 'Claim').registerVariable('statement', 'Statement');
  return shared;
}

function compileOne(expr: unknown, where: string): ParseResult {
  if (typeof expr !== 'string' || expr.trim() === '') throw new RuleCompileError(`${where} must be a CEL expression (a non-empty string)`);
  if (expr.length > MAX_EXPRESSION_CHARS) throw new RuleCompileError(`${where} is ${expr.length} characters: at most ${MAX_EXPRESSION_CHARS}`);
  const env = claimEnvironment();
  const fail = (e: CelErrorLike, what: string): never => {
    const at = e.range ? ` at ${positionOf(expr, e.range.start)}` : '';
    throw new RuleCompileError(`${where}: couldn't ${what} CEL expression ${JSON.stringify(expr)}${at}: ${e.summary ?? e.message.split('\n')[0]}`);
  };
  let parsed: ParseResult;
  try {
    parsed = env.parse(expr);
  } catch (e) {
    return fail(e as CelErrorLike, 'parse');
  }
  const checked = parsed.check();
  if (!checked.valid) return fail(checked.error as CelErrorLike, 'type-check');
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new RuleCompileError(`${where}: CEL expression ${JSON.stringify(expr)} gives ${checked.type}, not bool`);
  return parsed;
}

/** A rule ready to evaluate. */
export interface CompiledRule {
  readonly rule: ClaimRule;
  readonly when?: ParseResult;
  readonly require: ParseResult;
}

const RULE_FIELDS = new Set(['name', 'when', 'require', 'message']);
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks a `rules:` list (as read from YAML/JSON) and compiles every expression.
 * `where` prefixes messages (`rules`). Throws {@link RuleCompileError} naming the field.
 * @example compileRules([{ name: 'slsa-builder', when: 'claim.format == "intoto"', require: 'claim.builder.id == "https://ci.example/builder"' }], 'rules')
 */
export function compileRules(raw: unknown, where: string): { rules: ClaimRule[]; compiled: CompiledRule[] } {
  if (raw === undefined || raw === null) return { rules: [], compiled: [] };
  if (!Array.isArray(raw)) throw new RuleCompileError(`${where} must be a list of rules ({ name, when?, require, message? })`);
  const names = new Set<string>();
  const rules: ClaimRule[] = [];
  const compiled = raw.map((r: unknown, i): CompiledRule => {
    const p = `${where}[${i}]`;
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new RuleCompileError(`${p} must be a mapping { name, when?, require, message? }`);
    const o = r as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!RULE_FIELDS.has(k)) throw new RuleCompileError(`${p}.${k} is not a rule field (known: name, when, require, message)`);
    if (typeof o.name !== 'string' || !RULE_NAME.test(o.name)) throw new RuleCompileError(`${p}.name must be a short name (letters, digits, . _ -; at most 64)`);
    if (names.has(o.name)) throw new RuleCompileError(`${p}.name repeats ${o.name}`);
    names.add(o.name);
    if (o.message !== undefined && (typeof o.message !== 'string' || o.message.length > 512)) throw new RuleCompileError(`${p}.message must be a string of at most 512 characters`);
    const when = o.when === undefined ? undefined : compileOne(o.when, `${p}.when (rule ${o.name})`);
    const require = compileOne(o.require, `${p}.require (rule ${o.name})`);
    const rule: ClaimRule = { name: o.name, ...(o.when !== undefined ? { when: o.when as string } : {}), require: o.require as string, ...(o.message !== undefined ? { message: o.message as string } : {}) };
    rules.push(rule);
    return { rule, require, ...(when ? { when } : {}) };
  });
  return { rules, compiled };
}

/** The outcome of one rule on one claim. */
export interface RuleVerdict {
  readonly rule: string;
  /** false when `when` did not hold: the rule says nothing about this claim */
  readonly applies: boolean;
  readonly ok: boolean;
  /** why it failed: the rule's message and expression, or the evaluation error */
  readonly reason?: string;
  /** set when evaluation itself failed (error or budget): the claim fails closed */
  readonly error?: 'evaluation' | 'budget';
}

function run(p: ParseResult, activation: ClaimActivation): { value?: unknown; why?: string } {
  try {
    return { value: p(activation as unknown as Record<string, unknown>) };
  } catch (e) {
    if (e instanceof BudgetExceededError || (e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
    return { why: ((e as CelErrorLike).summary ?? (e as Error).message).split('\n')[0]! };
  }
}

function evaluateOne(r: CompiledRule, activation: ClaimActivation): RuleVerdict {
  const name = r.rule.name;
  if (r.when) {
    const w = run(r.when, activation);
    if (w.why !== undefined) return { rule: name, applies: true, ok: false, error: 'evaluation', reason: `rule ${name}: couldn't evaluate when ${JSON.stringify(r.rule.when)}: ${w.why}` };
    if (w.value !== true) return { rule: name, applies: false, ok: true };
  }
  const q = run(r.require, activation);
  if (q.why !== undefined) return { rule: name, applies: true, ok: false, error: 'evaluation', reason: `rule ${name}: couldn't evaluate require ${JSON.stringify(r.rule.require)}: ${q.why}` };
  if (q.value === true) return { rule: name, applies: true, ok: true };
  const what = typeof q.value === 'boolean' ? 'is false' : `gave ${typeof q.value}, not bool`;
  return { rule: name, applies: true, ok: false, reason: `rule ${name}${r.rule.message ? ` (${r.rule.message})` : ''}: ${JSON.stringify(r.rule.require)} ${what}` };
}

/**
 * Evaluates every rule on one claim, all under ONE wall-clock budget (one watchdog per claim, not
 * per expression: arming it costs a thread start). Never throws for the claim's sake: an expression
 * that errors (e.g. `claim.payload.x` on a document without `x`: use `has()`) fails its rule; when
 * the budget runs out, the rule being evaluated fails (`error: 'budget'`) and the rest are not run.
 * @example evaluateRules(compiled, claimActivation(facts, parsed)).filter((v) => !v.ok)
 */
export function evaluateRules(rules: readonly CompiledRule[], activation: ClaimActivation, budgetMs = DEFAULT_RULE_BUDGET_MS): RuleVerdict[] {
  if (rules.length === 0) return [];
  const out: RuleVerdict[] = [];
  try {
    runBounded(() => {
      for (const r of rules) out.push(evaluateOne(r, activation));
    }, budgetMs);
  } catch (e) {
    if (!(e instanceof BudgetExceededError)) throw e;
    const r = rules[out.length]!;
    out.push({ rule: r.rule.name, applies: true, ok: false, error: 'budget', reason: `rule ${r.rule.name}: couldn't evaluate it: ${e.message} (all rules share it, per claim)` });
  }
  return out;
}
