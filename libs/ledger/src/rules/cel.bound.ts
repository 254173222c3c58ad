/**
 * A wall-clock budget for one synchronous computation (a CEL evaluation). CEL has no loops, but a
 * comprehension nested in a comprehension over a 50,000-component SBOM is 2.5·10⁹ steps: the cost
 * is expression × document, and the document comes from the submitter. `node:vm`'s `timeout`
 * arms a watchdog that terminates whatever JavaScript runs on this thread — including functions of
 * this context the script calls — and throws; nothing else on the event loop runs meanwhile, and
 * the evaluation keeps no state that a termination could corrupt. Overhead: one watchdog thread
 * start per call — 0.3 ms on an idle machine, up to ~20 ms on a loaded one (docs/policy.md#cost),
 * so callers arm it once per claim, not once per expression.
 */
import { Script, createContext } from 'node:vm';

export class BudgetExceededError extends Error {
  readonly code = 'ERR_POLICY_RULE_BUDGET';
  constructor(ms: number) {
    super(`the expression ran out of its ${ms} ms budget`);
    this.name = 'BudgetExceededError';
  }
}

const holder: { fn: (() => unknown) | null; out: unknown } = { fn: null, out: undefined };
const context = createContext({ holder });
const script = new Script('holder.out = holder.fn()');

/** Runs `fn` with a wall-clock budget; throws {@link BudgetExceededError} when it runs out. */
export function runBounded<T>(fn: () => T, budgetMs: number): T {
  holder.fn = fn;
  holder.out = undefined;
  try {
    script.runInContext(context, { timeout: budgetMs });
    return holder.out as T;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new BudgetExceededError(budgetMs);
    throw e;
  } finally {
    holder.fn = null;
    holder.out = undefined;
  }
}
