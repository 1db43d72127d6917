import { pickBest, tieNote, versus } from './explain';
import { missingAt, scoreAt, ScorerKey, scorerKeys, scorerName } from './matrix';
import { StrategyInput, StrategyOutcome, tieRuleOutcome } from './strategy-input';
import type { ScoreMatrix, NamedValue } from './types';

export interface CrossScores {
  /** Scorers (backend + mode) with a usable score for every candidate in the pool: the ones averaged. */
  used: ScorerKey[];
  /** Scorers left out, with the candidates they have no score for. */
  skipped: Array<{ key: ScorerKey; missing: number[] }>;
  /** Candidate index -> mean over `used` of its z-score of mean NLL (lower = more likely under the scorers). */
  z: Map<number, number>;
}

/**
 * Per scorer present for every pool candidate: z = (meanNll - mean) / population std across the pool (0 for all
 * when the values are all equal); then each candidate's z averaged over those scorers. Undefined when no scorer is
 * complete. With two candidates each scorer contributes exactly +1 / -1 (or 0 / 0): a vote. Averages are rounded
 * to 12 decimals.
 */
export function crossScores(matrix: ScoreMatrix, pool: readonly number[]): CrossScores | undefined {
  const used: ScorerKey[] = [];
  const skipped: CrossScores['skipped'] = [];
  for (const key of scorerKeys(matrix, pool)) {
    const missing = missingAt(matrix, pool, key);
    if (missing.length) skipped.push({ key, missing });
    else used.push(key);
  }
  if (!used.length) return undefined;

  const z = new Map<number, number>(pool.map((i) => [i, 0]));
  for (const key of used) {
    const values = pool.map((i) => (scoreAt(matrix, i, key.scorer, key.mode) as { meanNll: number }).meanNll);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    pool.forEach((i, k) => {
      const zi = std > 0 && Number.isFinite(std) ? (values[k] - mean) / std : 0;
      z.set(i, (z.get(i) ?? 0) + zi / used.length);
    });
  }
  // Rounded so that z-scores which cancel exactly (+1 and -1 votes) read as 0, not as -1.1e-16.
  for (const [i, value] of z) z.set(i, Math.round(value * 1e12) / 1e12 || 0);
  return { used, skipped, z };
}

/** Lowest average z-score of mean NLL over every complete scorer, ties to the AR candidate. */
export function crossStrategy(input: StrategyInput): StrategyOutcome {
  const cross = crossScores(input.matrix, input.pool);
  if (!cross) return tieRuleOutcome(input, 'no scorer has a score for every candidate');
  return crossOutcome(input, cross, '');
}

/** The outcome of a computed cross score; lead goes before the reason (fallback notes). */
export function crossOutcome(input: StrategyInput, cross: CrossScores, lead: string): StrategyOutcome {
  const { labels, candidates, pool } = input;
  const value = (i: number): number => cross.z.get(i) ?? 0;
  const pick = pickBest(pool, value, 'lower', candidates);
  const skipped = cross.skipped.length
    ? `; skipped ${cross.skipped
        .map(
          ({ key, missing }) =>
            `${scorerName(key)} (missing for ${missing.map((i) => labels[i]).join(', ')})`,
        )
        .join(', ')}`
    : '';
  const reason =
    `${lead}lowest mean z-score of mean NLL over ${cross.used.length} scorer${cross.used.length > 1 ? 's' : ''} ` +
    `(${cross.used.map(scorerName).join(', ')}): ${versus(pick.index, pool, value, labels)}` +
    `${skipped}${tieNote(pick, candidates, labels)}`;
  const decidingValues: NamedValue[] = pool.map((i) => ({ name: `c${i}.cross_z`, value: value(i) }));
  for (const key of cross.used) {
    for (const i of pool) {
      const score = scoreAt(input.matrix, i, key.scorer, key.mode);
      if (score)
        decidingValues.push({ name: `c${i}.${key.scorer}.${key.mode}.mean_nll`, value: score.meanNll });
    }
  }
  return { index: pick.index, reason, decidingValues };
}
