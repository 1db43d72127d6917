import type { DatasetName } from '../dataset-names';

/**
 * How a candidate is judged correct (docs/REFERENCE.md §4):
 * - `execution`: HumanEval-Infilling, the completed program passes its tests in the sandbox;
 * - `em_first_line`: SantaCoder, Open-dLLM's first-line exact match;
 * - `em_whole`: SantaCoder, bigcode-evaluation-harness' whole-completion exact match.
 */
export const CORRECTNESS_RULES = ['execution', 'em_first_line', 'em_whole'] as const;
export type CorrectnessRule = (typeof CORRECTNESS_RULES)[number];

/** Outcome of executing one completed HumanEval program. */
export type ExecutionStatus = 'passed' | 'failed' | 'timed_out';

/** One candidate of one task, judged under every rule that applies to its dataset. */
export interface JudgedCandidate {
  /** Generating backend name ('ar', 'diffusion'), or 'completion' for a single-system predictions file. */
  backend: string;
  completion: string;
  /** Rule -> correct; only the rules of the task's dataset are present. */
  correct: Partial<Record<CorrectnessRule, boolean>>;
  /** Execution rule only. */
  execution?: { status: ExecutionStatus; error?: string };
  /** "scorer/mode" (e.g. "ar/fim", "diffusion/masked_one_shot") -> perplexity; absent when not scored. */
  perplexities: Record<string, number>;
}

/** One task with all its candidates judged and each strategy's pick. */
export interface JudgedTask {
  taskId: string;
  index: number;
  canonicalMiddle: string;
  candidates: JudgedCandidate[];
  /** Strategy name -> index into candidates. */
  selections: Record<string, number>;
}

/** One row of the headline table: a model alone, the ensemble under one strategy, or the oracle ceiling. */
export interface SystemResult {
  /** 'ar', 'diffusion', 'ensemble:cross', ..., 'oracle'. */
  name: string;
  kind: 'model' | 'strategy' | 'oracle';
  tasks: number;
  /** Tasks counted correct (for a model with n > 1 samples: tasks whose first sample is correct). */
  correct: number;
  /** correct / tasks. */
  rate: number;
  /** Unbiased pass@k for every k the sample count allows, keyed "pass@1", "pass@10", "pass@100". */
  passAtK: Record<string, number>;
  /** Strategies: (rate - best single model) / (oracle - best single model); null when the oracle adds nothing. */
  efficiency?: number | null;
  /** Strategies: backend -> fraction of tasks on which this strategy picked that backend's candidate. */
  selectionRate?: Record<string, number>;
}

/** How well one scorer's perplexity of one generator's candidates predicts correctness. */
export interface PerplexityStats {
  /** Backend whose candidates were scored. */
  generator: string;
  /** "scorer/mode". */
  scorer: string;
  count: number;
  mean: number;
  median: number;
  /** P(ppl of a correct candidate < ppl of an incorrect one), ties 1/2; null when one class is empty. */
  auroc: number | null;
  /** Point-biserial correlation of log-perplexity with correctness (negative = lower ppl, more often right). */
  pointBiserial: number | null;
}

/** A reliability curve: candidates binned by predicted probability of being correct, against the observed rate. */
export interface CalibrationCurve {
  /** "scorer/mode" whose perplexity was turned into a probability, or "learned". */
  predictor: string;
  bins: Array<{ lower: number; upper: number; count: number; meanPredicted: number; observed: number }>;
}

/** Everything measured under one correctness rule. */
export interface RuleMetrics {
  rule: CorrectnessRule;
  systems: SystemResult[];
  /** Name of the best model alone (the efficiency baseline). */
  bestSingle: string | null;
  perplexity: PerplexityStats[];
  calibration: CalibrationCurve[];
}

/** metrics.json of a run folder or of `bench score --out`. */
export interface EvaluationMetrics {
  dataset: DatasetName;
  /** Tasks judged (failed tasks of a run are counted in `failedTasks`, not here). */
  tasks: number;
  failedTasks: number;
  /** Plain counts of the first candidate of each task (what `bench score` of a single-system file reports). */
  counts: { tasks: number; passed?: number; exactMatchFirstLine?: number; exactMatchWhole?: number };
  /** The same counts divided by `counts.tasks` (0 when there are no tasks). */
  rates: { passed?: number; exactMatchFirstLine?: number; exactMatchWhole?: number };
  /** One entry per rule that applies to the dataset. */
  rules: RuleMetrics[];
}
