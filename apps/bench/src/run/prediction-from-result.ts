import type { DatasetName, PredictionRecord, ScoreEntry } from '@ensemble/evaluation';
import { FinishReason, TaskResult, TaskStatus } from '@ensemble/proto';
import { SCORE_MODE_NAMES, STRATEGY_NAMES } from '@ensemble/validation';

const FINISH_REASONS: Record<number, string> = {
  [FinishReason.FINISH_REASON_EOS]: 'eos',
  [FinishReason.FINISH_REASON_LENGTH]: 'length',
  [FinishReason.FINISH_REASON_STOP]: 'stop',
  [FinishReason.FINISH_REASON_CANVAS_FILLED]: 'canvas_filled',
};

/** JSON cannot hold Infinity / NaN: an unusable number is written as null. */
const finiteOrNull = (value: number | undefined): number | null =>
  value !== undefined && Number.isFinite(value) ? value : null;

/**
 * One streamed TaskResult as a predictions.jsonl line. `primary` is the strategy whose pick becomes `completion` /
 * `winner` (when the orchestrator did not report it, the first reported strategy is used).
 */
export function predictionFromResult(
  dataset: DatasetName,
  result: TaskResult,
  primary: string,
): PredictionRecord {
  const candidates = result.candidates.map((candidate) => ({
    backend: candidate.backend,
    model: candidate.model,
    sample_index: candidate.completion?.sampleIndex ?? 0,
    completion: candidate.completion?.text ?? '',
    finish_reason: FINISH_REASONS[candidate.completion?.finishReason ?? 0] ?? 'unspecified',
    token_count: candidate.completion?.completionTokens ?? 0,
    seed: candidate.completion?.seed ?? 0,
    scores: candidate.scores.map((cell): ScoreEntry => ({
      scorer: cell.scorer,
      mode: SCORE_MODE_NAMES[cell.mode] ?? String(cell.mode),
      perplexity: finiteOrNull(cell.score?.perplexity),
      mean_nll: finiteOrNull(cell.score?.meanNll),
      sum_logprob: finiteOrNull(cell.score?.sumLogprob),
      token_count: cell.score?.tokenCount ?? 0,
      ...(cell.error ? { error: cell.error } : {}),
    })),
  }));
  const selections: PredictionRecord['selections'] = {};
  for (const selection of result.selections) {
    const name = STRATEGY_NAMES[selection.strategy] ?? String(selection.strategy);
    selections[name] = {
      candidate: selection.candidateIndex,
      backend: candidates[selection.candidateIndex]?.backend ?? '',
      reason: selection.reason,
      deciding_values: Object.fromEntries(selection.decidingValues.map((v) => [v.name, v.value])),
    };
  }
  const strategy = primary in selections ? primary : (Object.keys(selections)[0] ?? primary);
  const chosen = selections[strategy] ? candidates[selections[strategy].candidate] : undefined;

  const outputs: Record<string, string> = {};
  const perplexities: PredictionRecord['perplexities'] = {};
  for (const candidate of candidates) {
    if (candidate.backend in outputs) continue;
    outputs[candidate.backend] = candidate.completion;
    perplexities[candidate.backend] = Object.fromEntries(
      candidate.scores.map((s) => [`${s.scorer}/${s.mode}`, s.perplexity]),
    );
  }
  const ok = result.status === TaskStatus.TASK_STATUS_OK;
  return {
    task_id: result.taskId,
    index: result.index,
    dataset,
    status: ok ? 'ok' : 'failed',
    ...(ok ? {} : { error: result.error || 'failed without a reason' }),
    prefix: result.input?.prefix ?? '',
    suffix: result.input?.suffix ?? '',
    canonical_solution: result.canonicalMiddle,
    completion: chosen?.completion ?? '',
    winner: chosen?.backend ?? '',
    strategy,
    outputs,
    perplexities,
    candidates,
    selections,
    missing_backends: result.missingBackends.map((m) => ({ ...m })),
  };
}
