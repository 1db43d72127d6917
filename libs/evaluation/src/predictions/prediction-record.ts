import type { DatasetName } from '../dataset-names';

/** One model's score of one candidate in one mode; perplexity null when it was not finite (JSON has no Infinity). */
export interface ScoreEntry {
  scorer: string;
  mode: string;
  perplexity: number | null;
  mean_nll: number | null;
  sum_logprob: number | null;
  token_count: number;
  /** Set instead of the numbers when the scorer failed. */
  error?: string;
}

export interface CandidateEntry {
  backend: string;
  model: string;
  sample_index: number;
  completion: string;
  finish_reason: string;
  token_count: number;
  seed: number;
  scores: ScoreEntry[];
}

export interface SelectionEntry {
  candidate: number;
  backend: string;
  reason: string;
  deciding_values: Record<string, number>;
}

/**
 * One line of a run's `predictions.jsonl`: the seed's fields (task_id, completion, per-model outputs and
 * perplexities, winner, prefix, suffix, canonical_solution) plus every candidate with its whole score row and every
 * strategy's choice. Deterministic given the run's settings: no timings or request ids (those go to stats.json), so an
 * interrupted and resumed run writes the same file as an uninterrupted one.
 */
export interface PredictionRecord {
  task_id: string;
  index: number;
  dataset: DatasetName;
  status: 'ok' | 'failed';
  /** Why the task failed (status failed). */
  error?: string;
  prefix: string;
  suffix: string;
  canonical_solution: string;
  /** The middle chosen by the run's primary strategy. */
  completion: string;
  /** Backend that generated `completion`. */
  winner: string;
  strategy: string;
  /** Backend -> its first sample's middle. */
  outputs: Record<string, string>;
  /** Backend -> "scorer/mode" -> perplexity of its first sample. */
  perplexities: Record<string, Record<string, number | null>>;
  candidates: CandidateEntry[];
  selections: Record<string, SelectionEntry>;
  missing_backends: Array<{ backend: string; phase: string; code: string; message: string }>;
}

/** "scorer/mode" -> perplexity of one candidate (finite values only). */
export function perplexitiesOf(candidate: CandidateEntry): Record<string, number> {
  const out: Record<string, number> = {};
  for (const score of candidate.scores) {
    if (score.perplexity !== null && Number.isFinite(score.perplexity)) {
      out[`${score.scorer}/${score.mode}`] = score.perplexity;
    }
  }
  return out;
}
