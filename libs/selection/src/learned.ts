import { fmt, pickBest, tieNote, versus } from './explain';
import { featuresOf, featureVector } from './features';
import { predictProbability } from './logistic';
import { StrategyInput, StrategyOutcome } from './strategy-input';
import { NamedValue, SelectionError } from './types';

/** How many features the reason names (the largest contributions to the winner's lead). */
const EXPLAINED_FEATURES = 3;

/**
 * Logistic model over featuresOf (computed over the pool, so agreement and deltas are among the candidates in the
 * running): highest probability wins, ties to the AR candidate. Throws without options.learnedModel.
 */
export function learnedStrategy(input: StrategyInput): StrategyOutcome {
  const model = input.options.learnedModel;
  if (!model) {
    throw new SelectionError(
      'the learned strategy has no weights: load the weights file written by `bench fit-selector` with ' +
        'loadLearnedModel(path) and pass it as options.learnedModel',
    );
  }
  const { pool, candidates, labels } = input;
  const features = featuresOf(
    pool.map((i) => candidates[i]),
    pool.map((i) => input.matrix[i]),
    input.context,
    { syntax: input.syntax },
  );
  const vectors = new Map(pool.map((i, k) => [i, featureVector(features[k], model.features)]));
  const probability = new Map(pool.map((i) => [i, predictProbability(model, vectors.get(i) as number[])]));
  const value = (i: number): number => probability.get(i) ?? 0;
  const pick = pickBest(pool, value, 'higher', candidates);

  let why = '';
  const others = pool.filter((i) => i !== pick.index);
  const decidingValues: NamedValue[] = pool.map((i) => ({ name: `c${i}.probability`, value: value(i) }));
  if (others.length) {
    const runnerUp = others.reduce((a, b) => (value(b) > value(a) ? b : a));
    const win = vectors.get(pick.index) as number[];
    const lose = vectors.get(runnerUp) as number[];
    const contributions = model.features
      .map((name, j) => ({ name, j, logit: model.weights[j] * (win[j] - lose[j]) }))
      .filter((c) => c.logit !== 0)
      .sort((a, b) => Math.abs(b.logit) - Math.abs(a.logit) || a.j - b.j)
      .slice(0, EXPLAINED_FEATURES);
    if (contributions.length) {
      why =
        `; logit lead over ${labels[runnerUp]}: ` +
        contributions.map((c) => `${c.name} ${c.logit > 0 ? '+' : '-'}${fmt(Math.abs(c.logit))}`).join(', ');
      for (const c of contributions) {
        decidingValues.push({ name: `c${pick.index}.${c.name}`, value: win[c.j] });
        decidingValues.push({ name: `c${runnerUp}.${c.name}`, value: lose[c.j] });
      }
    }
  }
  return {
    index: pick.index,
    reason:
      `highest learned probability (${model.source}, ${model.features.length} features): ` +
      `${versus(pick.index, pool, value, labels)}${why}${tieNote(pick, candidates, labels)}`,
    decidingValues,
  };
}
