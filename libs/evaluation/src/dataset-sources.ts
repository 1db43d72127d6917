import type { DatasetName } from './dataset-names';

/**
 * Where each benchmark file comes from. Paths are relative to the data directory (the layout of ../shared/data), and
 * the same layout is used in the download cache and expected of a mirror (ENSEMBLE_DATASET_MIRROR). The hashes are
 * the ones of ../shared/data/SHA256SUMS; the URLs are the provenance recorded in each SOURCE.txt there.
 */

export type DatasetFileFormat = 'jsonl.gz' | 'parquet';

export interface DatasetFile {
  /** Path relative to a data directory, with '/' separators (as listed in SHA256SUMS without the leading './'). */
  path: string;
  format: DatasetFileFormat;
  sha256: string;
  /** Official public locations, tried in order; every one serves exactly these bytes. */
  urls: readonly string[];
}

export interface DatasetSource {
  name: DatasetName;
  /** Files accepted in a data directory, in order of preference. */
  dataDirFiles: readonly DatasetFile[];
  /** The file fetched into the cache when the data directory has none of `dataDirFiles`. */
  download: DatasetFile;
  /** Only rows with this `language` are kept (SantaCoder-FIM Python subset). */
  language?: string;
}

/** github.com/openai/human-eval-infilling, the "squash commit" snapshot of 2022-07-28 (SOURCE.txt). */
export const HUMAN_EVAL_INFILLING_COMMIT = '88062ff9859c875d04db115b698ed4b0f0395170';

/** github.com/QwenLM/Qwen2.5-Coder commit holding a byte copy of the SantaCoder-FIM parquet (SOURCE.txt). */
export const QWEN_CODER_COMMIT = 'd5ead97fea36bca3744e1a4c49e882f6fa2f406a';

function humanEvalFile(file: string, sha256: string): DatasetFile {
  return {
    path: `human-eval-infilling/${file}`,
    format: 'jsonl.gz',
    sha256,
    urls: [
      `https://raw.githubusercontent.com/openai/human-eval-infilling/${HUMAN_EVAL_INFILLING_COMMIT}/data/${file}`,
    ],
  };
}

function humanEval(name: DatasetName, file: string, sha256: string): DatasetSource {
  const data = humanEvalFile(file, sha256);
  return { name, dataDirFiles: [data], download: data };
}

/** bigcode/santacoder-fim-task, all 4792 rows: the Hugging Face parquet (the dataset's official file). */
export const SANTACODER_FIM_PARQUET: DatasetFile = {
  path: 'santacoder-fim/train-00000-of-00001-b6ec1fdd66018baa.parquet',
  format: 'parquet',
  sha256: '54d62b5a4f1554ca3f7ab65f901fe1fecdb3eaebac28ebd52a90397c9239c6d9',
  urls: [
    'https://huggingface.co/datasets/bigcode/santacoder-fim-task/resolve/main/data/train-00000-of-00001-b6ec1fdd66018baa.parquet',
    `https://raw.githubusercontent.com/QwenLM/Qwen2.5-Coder/${QWEN_CODER_COMMIT}/qwencoder-eval/base/benchmarks/fim-bench/hm_fim/data/train.parquet`,
  ],
};

/** The 1043 Python rows of the parquet as JSON Lines, in the original order (shared/data only; not published). */
export const SANTACODER_FIM_PY_JSONL: DatasetFile = {
  path: 'santacoder-fim/santacoder-fim-task-py.jsonl.gz',
  format: 'jsonl.gz',
  sha256: '435d891e17f839de1f86f5c60fd7667c01caa3aef9cd998bd0f02806abe399d1',
  urls: [],
};

export const DATASET_SOURCES: Readonly<Record<DatasetName, DatasetSource>> = {
  'humaneval-single-line': humanEval(
    'humaneval-single-line',
    'HumanEval-SingleLineInfilling.jsonl.gz',
    '1277073e7ddce163ef68598c2bca777f688a53df99422f097e37362090f88e1f',
  ),
  'humaneval-multi-line': humanEval(
    'humaneval-multi-line',
    'HumanEval-MultiLineInfilling.jsonl.gz',
    '2f341612eee1d35da1357a4f365e0c0b3ba6e2b62eb491e88aaefa4855af0349',
  ),
  'humaneval-random-span': humanEval(
    'humaneval-random-span',
    'HumanEval-RandomSpanInfilling.jsonl.gz',
    'b4f330d8a8ff97bf85d9def497dffcae4d741e506449386a877236e422e33e8d',
  ),
  'humaneval-random-span-light': humanEval(
    'humaneval-random-span-light',
    'HumanEval-RandomSpanInfillingLight.jsonl.gz',
    '1432250ecac0cb56e6f97f8faf0970419ef892a98fda7e1f5aa4c4b87209b760',
  ),
  'santacoder-fim-py': {
    name: 'santacoder-fim-py',
    dataDirFiles: [SANTACODER_FIM_PY_JSONL, SANTACODER_FIM_PARQUET],
    download: SANTACODER_FIM_PARQUET,
    language: 'py',
  },
};

/** Task counts of the published files (docs/REFERENCE.md §4). */
export const DATASET_TASK_COUNTS: Readonly<Record<DatasetName, number>> = {
  'humaneval-single-line': 1033,
  'humaneval-multi-line': 5815,
  'humaneval-random-span': 1640,
  'humaneval-random-span-light': 164,
  'santacoder-fim-py': 1043,
};
