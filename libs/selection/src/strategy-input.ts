import { breakTie } from './explain';
import type { SyntaxChecker } from './python-syntax';
import type { Candidate, ScoreMatrix, SelectionOptions, SelectionResult, TaskContext } from './types';

/** What every strategy sees. Strategies are pure: same input, same outcome. */
export interface StrategyInput {
  candidates: readonly Candidate[];
  matrix: ScoreMatrix;
  context: TaskContext;
  options: SelectionOptions;
  /** The candidates in the running (all, or those the parse filter kept), ascending. Never empty. */
  pool: readonly number[];
  /** candidateLabels(candidates). */
  labels: readonly string[];
  /** options.syntax behind a per-call cache (a file is parsed at most once per selection), if given. */
  syntax?: SyntaxChecker;
  /** Whether candidate i's whole file parses (memoised; throws a SelectionError without options.syntax). */
  parses(i: number): boolean;
}

export type StrategyOutcome = Omit<SelectionResult, 'strategy'>;

/** The last resort of the score-based strategies: nothing to compare, so the tie rule decides. */
export function tieRuleOutcome(input: StrategyInput, why: string): StrategyOutcome {
  const index = breakTie(input.pool, input.candidates);
  const rule =
    input.pool.length === 1
      ? 'the only candidate'
      : input.candidates[index].kind === 'autoregressive'
        ? 'the autoregressive candidate (tie rule)'
        : 'the lowest index (tie rule; no AR candidate)';
  return { index, reason: `${why}; kept ${input.labels[index]}, ${rule}`, decidingValues: [] };
}
