/** Benchmark splits by the names operators use on the command line and in EvaluateRequest.dataset. */
export const DATASET_NAMES = [
  'humaneval-single-line',
  'humaneval-multi-line',
  'humaneval-random-span',
  'humaneval-random-span-light',
  'santacoder-fim-py',
] as const;

export type DatasetName = (typeof DATASET_NAMES)[number];

export function isDatasetName(value: string): value is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(value);
}

/**
 * The shape a dataset's middles have, as libs/selection's structural features see it: one line for HumanEval
 * single-line and SantaCoder-FIM, anything for the multi-line and random-span splits.
 */
export function middleShape(dataset: DatasetName): 'single_line' | 'any' {
  return dataset === 'humaneval-single-line' || dataset === 'santacoder-fim-py' ? 'single_line' : 'any';
}
