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
