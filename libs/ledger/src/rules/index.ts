export * from './claim.model.js';
export * from './claim.rules.js';
export { BudgetExceededError, runBounded } from './cel.bound.js';
