import type { BenchmarkTask } from '../benchmark-task';
import { DatasetFormatError } from '../benchmark-task';
import { taskIndex } from '../slice-tasks';
import { CandidateEntry, PredictionRecord, perplexitiesOf } from './prediction-record';
import { readJsonLines } from './read-json-lines';

/**
 * `run`: our predictions.jsonl (rows with `candidates`);
 * `samples`: `{task_id, completion}` rows, the human-eval-infilling samples format and the seed's published files
 * (extra fields ignored; several rows of one task are its samples, in file order).
 */
export type PredictionsFormat = 'run' | 'samples';

/** Backend name given to the completions of a samples-format file. */
export const SAMPLES_BACKEND = 'completion';

/** One task's candidates and strategy choices, ready to be judged. */
export interface ScoringEntry {
  task: BenchmarkTask;
  candidates: Array<{ backend: string; completion: string; perplexities: Record<string, number> }>;
  /** Strategy -> candidate index (run format only). */
  selections: Record<string, number>;
}

export interface LoadedPredictions {
  format: PredictionsFormat;
  /** In dataset order. */
  entries: ScoringEntry[];
  /** Run-format tasks recorded as failed (not judged). */
  failedTasks: string[];
}

/**
 * Reads a predictions file of either format against a dataset's tasks. Task ids are matched like EvaluateRequest
 * task ids (SantaCoder rows may name their task by index, the published files' `task_id`). An unknown id, a row of
 * the wrong shape or a file mixing formats is a {@link DatasetFormatError} naming the file, line and field.
 */
export async function readPredictions(
  file: string,
  tasks: readonly BenchmarkTask[],
): Promise<LoadedPredictions> {
  const lookup = taskIndex(tasks);
  let format: PredictionsFormat | undefined;
  const runRecords = new Map<BenchmarkTask, PredictionRecord>();
  const samples = new Map<BenchmarkTask, string[]>();

  await readJsonLines(file, (value, line) => {
    const where = `${file}:${line}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DatasetFormatError(`${where}: expected a JSON object`);
    }
    const row = value as Record<string, unknown>;
    const rowFormat: PredictionsFormat = Array.isArray(row.candidates) ? 'run' : 'samples';
    if (format && rowFormat !== format) {
      throw new DatasetFormatError(`${where}: a ${rowFormat}-format row in a ${format}-format file`);
    }
    format = rowFormat;
    if (typeof row.task_id !== 'string' && !Number.isInteger(row.task_id)) {
      throw new DatasetFormatError(`${where}: field "task_id" must be a string or an integer`);
    }
    const task = lookup.get(String(row.task_id));
    if (!task) {
      throw new DatasetFormatError(
        `${where}: task_id ${JSON.stringify(row.task_id)} is not in ${tasks[0]?.dataset ?? 'the dataset'} ` +
          '(is --dataset right?)',
      );
    }
    if (rowFormat === 'run') {
      // A resumed run may have written a task twice before its final rewrite: the last line wins.
      runRecords.set(task, checkRunRecord(row, where));
    } else {
      if (typeof row.completion !== 'string') {
        throw new DatasetFormatError(`${where}: field "completion" must be a string`);
      }
      samples.set(task, [...(samples.get(task) ?? []), row.completion]);
    }
  });

  const inOrder = <V>(map: Map<BenchmarkTask, V>) => [...map].sort(([a], [b]) => a.index - b.index);
  if (format === 'samples') {
    return {
      format,
      failedTasks: [],
      entries: inOrder(samples).map(([task, completions]) => ({
        task,
        candidates: completions.map((completion) => ({
          backend: SAMPLES_BACKEND,
          completion,
          perplexities: {},
        })),
        selections: {},
      })),
    };
  }
  const records = inOrder(runRecords);
  return {
    format: 'run',
    failedTasks: records.filter(([, r]) => r.status !== 'ok').map(([task]) => task.id),
    entries: records
      .filter(([, record]) => record.status === 'ok')
      .map(([task, record]) => ({
        task,
        candidates: record.candidates.map((c) => ({
          backend: c.backend,
          completion: c.completion,
          perplexities: perplexitiesOf(c),
        })),
        selections: Object.fromEntries(
          Object.entries(record.selections).map(([strategy, s]) => [strategy, s.candidate]),
        ),
      })),
  };
}

function checkRunRecord(row: Record<string, unknown>, where: string): PredictionRecord {
  if (row.status !== 'ok' && row.status !== 'failed') {
    throw new DatasetFormatError(`${where}: field "status" must be "ok" or "failed"`);
  }
  const candidates = row.candidates as unknown[];
  candidates.forEach((c, i) => {
    const candidate = c as Partial<CandidateEntry> | null;
    if (typeof candidate?.backend !== 'string' || typeof candidate.completion !== 'string') {
      throw new DatasetFormatError(
        `${where}: candidates[${i}] needs string fields "backend" and "completion"`,
      );
    }
    if (!Array.isArray(candidate.scores)) {
      throw new DatasetFormatError(`${where}: candidates[${i}].scores must be an array`);
    }
  });
  const selections = (row.selections ?? {}) as Record<string, { candidate?: unknown }>;
  for (const [strategy, selection] of Object.entries(selections)) {
    const index = selection?.candidate;
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= candidates.length) {
      throw new DatasetFormatError(
        `${where}: selections.${strategy}.candidate must index candidates (0..${candidates.length - 1})`,
      );
    }
  }
  return {
    ...(row as unknown as PredictionRecord),
    selections: selections as PredictionRecord['selections'],
  };
}
