import { CorrectnessRule, PredictionRecord, middleShape, rulesFor } from '@ensemble/evaluation';
import {
  Candidate,
  CandidateFeatures,
  SCORE_MODES,
  ScoreMode,
  ScoreRow,
  SyntaxChecker,
  featuresOf,
} from '@ensemble/selection';
import { RunFolder } from '../results/run-folder';
import { RunConfig } from '../run/run-config';
import { UsageError } from '../usage-error';

/** One candidate as a training example of the learned strategy. */
export interface TrainingRow {
  /** `<run>/<task id>`: a task's candidates stay in one cross-validation fold. */
  group: string;
  features: CandidateFeatures;
  correct: boolean;
}

/** A saved score back in libs/selection's form; null numbers (not finite on the wire) become "no score". */
function scoreRow(candidate: PredictionRecord['candidates'][number]): ScoreRow {
  const row: Record<string, Partial<Record<ScoreMode, unknown>>> = {};
  for (const cell of candidate.scores) {
    if (cell.error || !(SCORE_MODES as readonly string[]).includes(cell.mode)) continue;
    row[cell.scorer] ??= {};
    row[cell.scorer][cell.mode as ScoreMode] = {
      sumLogprob: cell.sum_logprob ?? Number.NEGATIVE_INFINITY,
      tokenCount: cell.token_count,
      meanNll: cell.mean_nll ?? Number.POSITIVE_INFINITY,
      perplexity: cell.perplexity ?? Number.POSITIVE_INFINITY,
    };
  }
  return row as ScoreRow;
}

/**
 * Training rows from one judged run folder: every candidate of every completed task, with the features the
 * orchestrator computes at serving time and the label "correct under `rule`" from outcomes.jsonl.
 */
export function trainingRows(
  folder: RunFolder,
  syntax: SyntaxChecker,
  rule?: CorrectnessRule,
): { rows: TrainingRow[]; rule: CorrectnessRule; dataset: string } {
  const config = folder.readJson<RunConfig>('config.json');
  if (!config) throw new UsageError(`${folder.dir}: no config.json; is it a bench run folder?`);
  const applicable = rulesFor(config.dataset);
  const chosen = rule ?? applicable[0];
  if (!applicable.includes(chosen)) {
    throw new UsageError(`--rule ${chosen} does not apply to ${config.dataset} (${applicable.join(', ')})`);
  }
  const outcomes = new Map(folder.readOutcomes().map((task) => [task.taskId, task]));
  if (outcomes.size === 0) {
    throw new UsageError(
      `${folder.dir}: no outcomes.jsonl; the run was not judged (re-run it without --no-execute)`,
    );
  }
  const rows: TrainingRow[] = [];
  for (const record of folder.readPredictions().values()) {
    const judged = outcomes.get(record.task_id);
    if (record.status !== 'ok' || !judged || judged.candidates.length !== record.candidates.length) continue;
    const candidates = record.candidates.map((c): Candidate => ({
      backend: c.backend,
      kind: config.kinds?.[c.backend] ?? 'autoregressive',
      text: c.completion,
      sampleIndex: c.sample_index,
    }));
    const features = featuresOf(
      candidates,
      record.candidates.map(scoreRow),
      { prefix: record.prefix, suffix: record.suffix, shape: middleShape(config.dataset) },
      { syntax },
    );
    features.forEach((f, i) =>
      rows.push({
        group: `${config.runId}/${record.task_id}`,
        features: f,
        correct: judged.candidates[i].correct[chosen] === true,
      }),
    );
  }
  return { rows, rule: chosen, dataset: config.dataset };
}
