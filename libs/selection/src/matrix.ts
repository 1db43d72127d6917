import {
  AUTOREGRESSIVE_MODES,
  Candidate,
  SCORE_MODES,
  Score,
  ScoreMatrix,
  ScoreMode,
  SelectionError,
} from './types';

/** One column of the score matrix. */
export interface ScorerKey {
  scorer: string;
  mode: ScoreMode;
}

export function scorerName(key: ScorerKey): string {
  return `${key.scorer} ${key.mode}`;
}

/** The cell, or undefined when it is absent or unusable (meanNll not finite, perplexity NaN). */
export function scoreAt(
  matrix: ScoreMatrix,
  index: number,
  scorer: string,
  mode: ScoreMode,
): Score | undefined {
  const row = matrix[index];
  if (!row || !Object.hasOwn(row, scorer)) return undefined;
  const modes = row[scorer];
  if (!modes || !Object.hasOwn(modes, mode)) return undefined;
  const score = modes[mode];
  if (!score || !Number.isFinite(score.meanNll) || Number.isNaN(score.perplexity)) return undefined;
  return score;
}

/** Every (scorer, mode) that has a cell object in any of the rows, sorted by scorer name then SCORE_MODES order. */
export function scorerKeys(matrix: ScoreMatrix, indices: readonly number[]): ScorerKey[] {
  const seen = new Map<string, ScorerKey>();
  for (const i of indices) {
    const row = matrix[i] ?? {};
    for (const scorer of Object.keys(row)) {
      for (const mode of SCORE_MODES) {
        if (row[scorer] && Object.hasOwn(row[scorer], mode))
          seen.set(`${scorer}\u0000${mode}`, { scorer, mode });
      }
    }
  }
  return [...seen.values()].sort(
    (a, b) =>
      (a.scorer < b.scorer ? -1 : a.scorer > b.scorer ? 1 : 0) ||
      SCORE_MODES.indexOf(a.mode) - SCORE_MODES.indexOf(b.mode),
  );
}

/** The indices whose cell (scorer, mode) is absent or unusable. */
export function missingAt(matrix: ScoreMatrix, indices: readonly number[], key: ScorerKey): number[] {
  return indices.filter((i) => !scoreAt(matrix, i, key.scorer, key.mode));
}

/**
 * The scorer whose fim / prefix_only scores are "the AR model's": options.arScorer when set; otherwise the one
 * scorer that has fim / prefix_only cells (preferring the backend of an autoregressive candidate when several do).
 * Undefined when no scorer has such cells. Throws when several do and nothing singles one out.
 */
export function resolveArScorer(
  candidates: readonly Candidate[],
  matrix: ScoreMatrix,
  arScorer?: string,
): string | undefined {
  if (arScorer !== undefined) return arScorer;
  const all = candidates.map((_, i) => i);
  const scorers = [
    ...new Set(
      scorerKeys(matrix, all)
        .filter((key) => AUTOREGRESSIVE_MODES.includes(key.mode))
        .map((key) => key.scorer),
    ),
  ];
  if (scorers.length <= 1) return scorers[0];
  const arBackends = new Set(candidates.filter((c) => c.kind === 'autoregressive').map((c) => c.backend));
  const generating = scorers.filter((scorer) => arBackends.has(scorer));
  if (generating.length === 1) return generating[0];
  throw new SelectionError(
    `several scorers have autoregressive (fim / prefix_only) scores (${scorers.join(', ')}): set options.arScorer`,
  );
}
