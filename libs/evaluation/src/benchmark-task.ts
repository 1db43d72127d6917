import type { DatasetName } from './dataset-names';

/** One record of a HumanEval-Infilling split, exactly as in github.com/openai/human-eval-infilling (all strings). */
export interface HumanEvalInfillingRow {
  task_id: string;
  entry_point: string;
  prompt: string;
  suffix: string;
  canonical_solution: string;
  test: string;
}

/** One record of bigcode/santacoder-fim-task, exactly as in the dataset (all strings). */
export interface SantaCoderFimRow {
  name: string;
  language: string;
  prompt: string;
  suffix: string;
  canonical_solution: string;
  tests: string;
}

export type HumanEvalDatasetName = Exclude<DatasetName, 'santacoder-fim-py'>;

/**
 * A benchmark task in the form the models see it: `prefix + canonicalMiddle + suffix` is the complete reference file,
 * for every dataset. `row` keeps the original record unchanged (its own `suffix` is not always `suffix` here).
 */
interface TaskCommon {
  /** Unique within the dataset; see the dataset-specific types. */
  id: string;
  /** Position in the dataset (0-based, file order). SantaCoder: position in the Python subset. */
  index: number;
  dataset: DatasetName;
  prefix: string;
  suffix: string;
  canonicalMiddle: string;
}

/** HumanEval-Infilling: prefix = prompt, suffix = suffix, middle = canonical_solution; id = task_id. */
export interface HumanEvalTask extends TaskCommon {
  dataset: HumanEvalDatasetName;
  row: HumanEvalInfillingRow;
}

/**
 * SantaCoder-FIM (Python subset). The dataset's full file is `prompt + "\n" + canonical_solution + "\n" + suffix`
 * (the middle is one line, stored without its line break), so here
 * prefix = prompt + "\n", middle = canonical_solution, suffix = "\n" + suffix.
 * The seed's Open-dLLM run fed the models prefix = prompt + "\n" and the dataset suffix *without* the leading "\n"
 * (see {@link seedInfillInput}). id = `<index>/<name>`; `index` is the `task_id` of the seed's published files.
 */
export interface SantaCoderTask extends TaskCommon {
  dataset: 'santacoder-fim-py';
  name: string;
  row: SantaCoderFimRow;
}

export type BenchmarkTask = HumanEvalTask | SantaCoderTask;

export function humanEvalTask(
  dataset: HumanEvalDatasetName,
  row: HumanEvalInfillingRow,
  index: number,
): HumanEvalTask {
  return {
    id: row.task_id,
    index,
    dataset,
    prefix: row.prompt,
    suffix: row.suffix,
    canonicalMiddle: row.canonical_solution,
    row,
  };
}

export function santaCoderTask(row: SantaCoderFimRow, index: number): SantaCoderTask {
  return {
    id: `${index}/${row.name}`,
    index,
    dataset: 'santacoder-fim-py',
    name: row.name,
    prefix: `${row.prompt}\n`,
    suffix: `\n${row.suffix}`,
    canonicalMiddle: row.canonical_solution,
    row,
  };
}

/** The complete reference file: `prefix + canonicalMiddle + suffix`. */
export function referenceFile(task: BenchmarkTask): string {
  return task.prefix + task.canonicalMiddle + task.suffix;
}

/**
 * The prefix/suffix pair exactly as the seed's published Open-dLLM runs used them (docs/REFERENCE.md §4):
 * HumanEval prompt / suffix; SantaCoder prompt + "\n" / the dataset suffix (no line break between middle and suffix).
 * For reproducing the published numbers; `task.prefix` / `task.suffix` are the faithful split of the file.
 */
export function seedInfillInput(task: BenchmarkTask): { prefix: string; suffix: string } {
  if (task.dataset === 'santacoder-fim-py')
    return { prefix: `${task.row.prompt}\n`, suffix: task.row.suffix };
  return { prefix: task.row.prompt, suffix: task.row.suffix };
}

const HUMAN_EVAL_FIELDS = [
  'task_id',
  'entry_point',
  'prompt',
  'suffix',
  'canonical_solution',
  'test',
] as const;
const SANTACODER_FIELDS = ['name', 'language', 'prompt', 'suffix', 'canonical_solution', 'tests'] as const;

/** Raised when a dataset record does not have the expected shape; the message names the file, record and field. */
export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

function pickStrings<K extends string>(
  value: unknown,
  fields: readonly K[],
  where: string,
): Record<K, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatasetFormatError(
      `${where}: expected a JSON object, got ${Array.isArray(value) ? 'array' : typeof value}`,
    );
  }
  const record = value as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const field of fields) {
    const v = record[field];
    if (typeof v !== 'string') {
      throw new DatasetFormatError(
        `${where}: field "${field}" must be a string, got ${v === null ? 'null' : typeof v}`,
      );
    }
    out[field] = v;
  }
  return out;
}

/** Validates one HumanEval-Infilling record (extra fields are dropped); `where` names the file and record. */
export function parseHumanEvalRow(value: unknown, where: string): HumanEvalInfillingRow {
  return pickStrings(value, HUMAN_EVAL_FIELDS, where);
}

/** Validates one SantaCoder-FIM record (extra fields are dropped); `where` names the file and record. */
export function parseSantaCoderRow(value: unknown, where: string): SantaCoderFimRow {
  return pickStrings(value, SANTACODER_FIELDS, where);
}
