import { crossScores } from './cross';
import { scoreAt, scorerKeys } from './matrix';
import type { SyntaxChecker } from './python-syntax';
import { agreementKey, completedFile, isSingleLine, lineCount } from './text';
import { Candidate, SCORE_MODES, ScoreMatrix, SelectionError, TaskContext } from './types';

/** A candidate's features by name (see FEATURE_DOCS); a name absent here takes its default (featureVector). */
export type CandidateFeatures = Record<string, number>;

/** Perplexities above this are clipped: a degenerate middle can reach 1e30 and would swamp a linear model. */
export const PERPLEXITY_CAP = 1000;

/** The features of one candidate that do not depend on a scorer. */
export const FIXED_FEATURES = [
  'parses',
  'lines',
  'single_line',
  'agreement',
  'chars',
  'tokens',
  'is_ar',
  'cross_z',
];

/** What each feature means; `<s>:<m>` is a scorer backend and a mode, e.g. `nll:ar:prefix_only`. */
export const FEATURE_DOCS: Record<string, string> = {
  parses: '1 when prefix + middle + suffix parses as Python (options.syntax), else 0',
  lines: 'lineCount(middle): 0 for empty, one trailing newline ignored',
  single_line: '1 when isSingleLine(middle)',
  agreement:
    'how many other candidates (of the same task) have the same middle, surrounding whitespace stripped',
  chars: 'middle length in UTF-16 code units',
  tokens: 'candidate.tokenCount, else the largest tokenCount among its scores, else 0',
  is_ar: '1 when the candidate comes from an autoregressive model',
  cross_z:
    'the cross strategy value: mean z-score of mean NLL over the complete scorers (0 when there is none)',
  'nll:<s>:<m>': 'mean NLL under scorer s in mode m (0 when missing)',
  'ppl:<s>:<m>': `perplexity, clipped to ${PERPLEXITY_CAP} (0 when missing)`,
  'nll_delta:<s>:<m>': "mean NLL minus the lowest of the task's candidates that have one (0 when missing)",
  'missing:<s>:<m>': '1 when the score is missing (the default for a scorer the task does not have at all)',
};

const CELL_FEATURE = new RegExp(`^(nll|ppl|nll_delta|missing):[^:\\s]+:(${SCORE_MODES.join('|')})$`);

/** Whether name is a feature featuresOf can produce. */
export function isFeatureName(name: string): boolean {
  return FIXED_FEATURES.includes(name) || CELL_FEATURE.test(name);
}

/**
 * Features of every candidate of one task (the candidates are compared with each other: agreement, nll_delta and
 * cross_z depend on the whole list). Needs options.syntax for `parses`. Used by the learned strategy and by
 * `bench fit-selector` to build training rows.
 */
export function featuresOf(
  candidates: readonly Candidate[],
  matrix: ScoreMatrix,
  context: TaskContext,
  options: { syntax?: SyntaxChecker },
): CandidateFeatures[] {
  const syntax = options.syntax;
  if (!syntax) {
    throw new SelectionError(
      'features need a Python syntax checker: await loadPythonSyntax() once and pass it as options.syntax',
    );
  }
  if (matrix.length !== candidates.length) {
    throw new SelectionError(`score matrix has ${matrix.length} rows for ${candidates.length} candidates`);
  }
  const all = candidates.map((_, i) => i);
  const keys = scorerKeys(matrix, all);
  const cross = crossScores(matrix, all);
  const agreement = new Map<string, number>();
  for (const c of candidates)
    agreement.set(agreementKey(c.text), (agreement.get(agreementKey(c.text)) ?? 0) + 1);

  const lowest = new Map<string, number>();
  for (const key of keys) {
    const values = all.flatMap((i) => scoreAt(matrix, i, key.scorer, key.mode)?.meanNll ?? []);
    if (values.length) lowest.set(`${key.scorer}:${key.mode}`, Math.min(...values));
  }

  return candidates.map((candidate, i) => {
    let maxTokens = 0;
    const features: CandidateFeatures = {
      parses: syntax.parses(completedFile(context, candidate.text)) ? 1 : 0,
      lines: lineCount(candidate.text),
      single_line: isSingleLine(candidate.text) ? 1 : 0,
      agreement: (agreement.get(agreementKey(candidate.text)) ?? 1) - 1,
      chars: candidate.text.length,
      is_ar: candidate.kind === 'autoregressive' ? 1 : 0,
      cross_z: cross?.z.get(i) ?? 0,
    };
    for (const key of keys) {
      const cell = `${key.scorer}:${key.mode}`;
      const score = scoreAt(matrix, i, key.scorer, key.mode);
      features[`missing:${cell}`] = score ? 0 : 1;
      features[`nll:${cell}`] = score ? score.meanNll : 0;
      features[`ppl:${cell}`] = score ? Math.min(score.perplexity, PERPLEXITY_CAP) : 0;
      features[`nll_delta:${cell}`] = score ? score.meanNll - (lowest.get(cell) ?? score.meanNll) : 0;
      if (score) maxTokens = Math.max(maxTokens, score.tokenCount);
    }
    features.tokens = candidate.tokenCount ?? maxTokens;
    return features;
  });
}

/** The value of every name, in order: absent `missing:*` features are 1, every other absent feature 0. */
export function featureVector(features: CandidateFeatures, names: readonly string[]): number[] {
  return names.map((name) =>
    Object.hasOwn(features, name) ? features[name] : name.startsWith('missing:') ? 1 : 0,
  );
}

/** The union of the names in many candidates' features, fixed features first, then the rest sorted. */
export function featureNames(rows: readonly CandidateFeatures[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  const cells = [...names].filter((name) => !FIXED_FEATURES.includes(name)).sort();
  return [...FIXED_FEATURES.filter((name) => names.has(name)), ...cells];
}
