import type { SyntaxChecker } from './python-syntax';
import type { LearnedModel } from './learned-model';

/** How the generating model works (proto `ModelKind`). */
export type ModelKind = 'autoregressive' | 'diffusion';

/** The four ways a model scores a middle (proto `ScoreMode`, lower-cased without the prefix). */
export const SCORE_MODES = ['fim', 'prefix_only', 'masked_one_shot', 'masked_monte_carlo'] as const;
export type ScoreMode = (typeof SCORE_MODES)[number];

/** The modes only an autoregressive scorer produces; a scorer with one of them is the "AR model". */
export const AUTOREGRESSIVE_MODES: readonly ScoreMode[] = ['fim', 'prefix_only'];

/** One generated middle. */
export interface Candidate {
  /** Backend name that generated it, e.g. 'ar', 'diffusion'. */
  backend: string;
  kind: ModelKind;
  /** The middle text exactly as generated. */
  text: string;
  /** Index among that backend's n samples. */
  sampleIndex: number;
  /** Tokens of text, when the caller knows them; otherwise taken from the scores (see featuresOf). */
  tokenCount?: number;
}

/** One model's log-likelihood of one candidate in one mode (proto `CandidateScore` without the per-token detail). */
export interface Score {
  /** Natural-log sum over the scored tokens. */
  sumLogprob: number;
  tokenCount: number;
  /** -sumLogprob / tokenCount. */
  meanNll: number;
  /** exp(meanNll); may be Infinity for a very unlikely middle. */
  perplexity: number;
}

/**
 * A candidate's row of the score matrix: scorer backend name -> mode -> score. A missing scorer, a missing mode, or a
 * cell whose meanNll is not finite (or perplexity NaN) all mean "no score" (the scorer failed or was not asked).
 */
export type ScoreRow = Readonly<Record<string, Readonly<Partial<Record<ScoreMode, Score>>>>>;

/** matrix[i] is candidates[i]'s row: always as long as the candidates list. */
export type ScoreMatrix = readonly ScoreRow[];

/**
 * The task's expected shape of the middle. 'single_line' (HumanEval single-line, SantaCoder-FIM line tasks) turns on
 * the structural strategy's one-line preference; 'multi_line' and 'any' do not prefer a shape.
 */
export type TaskShape = 'single_line' | 'multi_line' | 'any';

/** The file around the gap: candidate i's whole file is prefix + candidates[i].text + suffix. */
export interface TaskContext {
  prefix: string;
  suffix: string;
  shape: TaskShape;
}

export const ALL_STRATEGIES = ['seed', 'fim', 'cross', 'structural', 'learned'] as const;
export type StrategyName = (typeof ALL_STRATEGIES)[number];

/** A number that decided a selection, named `c<candidate index>.<what>` or `<what>` (proto `NamedValue`). */
export interface NamedValue {
  name: string;
  value: number;
}

/** What a strategy chose and why (proto `Selection`). */
export interface SelectionResult {
  strategy: StrategyName;
  /** Index into the candidates list given to applyStrategy. */
  index: number;
  /** One human-readable line with the deciding numbers. */
  reason: string;
  decidingValues: NamedValue[];
}

export interface SelectionOptions {
  /**
   * Python syntax checker, needed by 'structural', 'learned' and the parse filter: `await loadPythonSyntax()` once,
   * then pass it on every call.
   */
  syntax?: SyntaxChecker;
  /** Drop candidates whose file does not parse before the strategy runs, when at least one parses. */
  parseFilter?: boolean;
  /**
   * Scorer backend name of the autoregressive model (whose fim / prefix_only scores 'seed' and 'fim' read). Default:
   * the one scorer with fim / prefix_only cells (see resolveArScorer).
   */
  arScorer?: string;
  /** Weights of the 'learned' strategy, from loadLearnedModel(path). Without it 'learned' throws. */
  learnedModel?: LearnedModel;
}

/** A configuration or input problem (unknown strategy, no weights, no syntax checker, mismatched matrix). */
export class SelectionError extends Error {
  override readonly name = 'SelectionError';
}
