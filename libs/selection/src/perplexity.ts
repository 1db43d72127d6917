import { crossOutcome, crossScores } from './cross';
import { joinLabels, pickBest, tieNote, versus } from './explain';
import { missingAt, resolveArScorer, scoreAt } from './matrix';
import { StrategyInput, StrategyOutcome, tieRuleOutcome } from './strategy-input';
import type { ScoreMode } from './types';

/**
 * Lowest perplexity under the AR model in `primary` mode, ties to the AR candidate. When that score is missing for a
 * pool candidate, falls back, in order and saying so in the reason, to: the AR model's `secondary` mode, the cross
 * strategy over whichever scorers are complete, and last the tie rule (the AR candidate).
 */
function arPerplexity(input: StrategyInput, primary: ScoreMode, secondary: ScoreMode): StrategyOutcome {
  const { candidates, matrix, pool, labels } = input;
  const ar = resolveArScorer(candidates, matrix, input.options.arScorer);
  const notes: string[] = [];
  if (ar === undefined) notes.push('no autoregressive (fim / prefix_only) scorer in the matrix');
  else {
    for (const mode of [primary, secondary]) {
      const missing = missingAt(matrix, pool, { scorer: ar, mode });
      if (missing.length) {
        notes.push(`${ar} ${mode} score missing for ${joinLabels(missing, labels)}`);
        continue;
      }
      const value = (i: number): number =>
        (scoreAt(matrix, i, ar, mode) as { perplexity: number }).perplexity;
      const pick = pickBest(pool, value, 'lower', candidates);
      const lead = notes.length ? `${notes.join('; ')}; fell back to ` : '';
      return {
        index: pick.index,
        reason: `${lead}lowest ${ar} ${mode} perplexity: ${versus(pick.index, pool, value, labels)}${tieNote(pick, candidates, labels)}`,
        decidingValues: pool.map((i) => ({ name: `c${i}.${ar}.${mode}.perplexity`, value: value(i) })),
      };
    }
  }
  const cross = crossScores(matrix, pool);
  if (cross) return crossOutcome(input, cross, `${notes.join('; ')}; fell back to cross: `);
  return tieRuleOutcome(input, `${notes.join('; ')}; no scorer has a score for every candidate`);
}

/** The seed's rule (REFERENCE §3): AR prefix_only perplexity, lower wins, ties to the AR candidate. */
export function seedStrategy(input: StrategyInput): StrategyOutcome {
  return arPerplexity(input, 'prefix_only', 'fim');
}

/** Perplexity under the AR model's FIM-conditioned score (sees the suffix), lower wins, ties to AR. */
export function fimStrategy(input: StrategyInput): StrategyOutcome {
  return arPerplexity(input, 'fim', 'prefix_only');
}
