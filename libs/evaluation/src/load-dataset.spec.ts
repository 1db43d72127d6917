import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type BenchmarkTask,
  DatasetFormatError,
  type HumanEvalTask,
  type SantaCoderTask,
  referenceFile,
  seedInfillInput,
} from './benchmark-task';
import { DATASET_NAMES, type DatasetName } from './dataset-names';
import {
  DATASET_SOURCES,
  DATASET_TASK_COUNTS,
  HUMAN_EVAL_INFILLING_COMMIT,
  QWEN_CODER_COMMIT,
  SANTACODER_FIM_PARQUET,
  SANTACODER_FIM_PY_JSONL,
} from './dataset-sources';
import { type LoadedDataset, loadDataset } from './load-dataset';
import { readParquetObjects } from './parquet';
import { Sha256MismatchError, readSha256Sums } from './sha256';
import { REFERENCE_RUNS, isolatedEnv, sharedDataDir, withTempDir } from './testing/shared-data';

const HUMAN_EVAL_ID = {
  'humaneval-single-line': /^SingleLineInfilling\/HumanEval\/\d+\/L\d+$/,
  'humaneval-multi-line': /^MultiLineInfilling\/HumanEval\/\d+\/L\d+_L\d+$/,
  'humaneval-random-span': /^RandomSpanInfilling\/HumanEval\/\d+\/\d+$/,
  'humaneval-random-span-light': /^RandomSpanInfillingLight\/HumanEval\/\d+\/\d+$/,
} as const;

function readJsonLines(file: string): Record<string, unknown>[] {
  return gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function link(dataDir: string, from: string, path: string): Promise<void> {
  await mkdir(dirname(join(dataDir, path)), { recursive: true });
  await symlink(join(from, path), join(dataDir, path));
}

describe('loadDataset on the shared data directory', () => {
  let dataDir: string;
  const loaded = new Map<DatasetName, LoadedDataset>();

  beforeAll(async () => {
    dataDir = sharedDataDir();
    await withTempDir(async (cacheDir) => {
      for (const name of DATASET_NAMES) {
        loaded.set(name, await loadDataset(name, { env: isolatedEnv(dataDir, cacheDir) }));
      }
    });
  });

  it.each(Object.entries(DATASET_TASK_COUNTS))(
    '%s has %d tasks, read from the data directory',
    (name, count) => {
      const dataset = loaded.get(name as DatasetName)!;
      expect(dataset.tasks).toHaveLength(count);
      expect(dataset.origin).toBe('data-dir');
      expect(dataset.file).toBe(join(dataDir, DATASET_SOURCES[name as DatasetName].dataDirFiles[0].path));
    },
  );

  it('the expected counts are the ones of docs/REFERENCE.md §4', () => {
    expect(DATASET_TASK_COUNTS).toEqual({
      'humaneval-single-line': 1033,
      'humaneval-multi-line': 5815,
      'humaneval-random-span': 1640,
      'humaneval-random-span-light': 164,
      'santacoder-fim-py': 1043,
    });
  });

  it('verifies every file against SHA256SUMS, whose hashes are also the built-in ones', () => {
    const sums = readSha256Sums(dataDir)!;
    for (const name of DATASET_NAMES) {
      const source = DATASET_SOURCES[name];
      for (const file of [...source.dataDirFiles, source.download])
        expect(sums.get(file.path)).toBe(file.sha256);
      expect(loaded.get(name)!.sha256).toBe(source.dataDirFiles[0].sha256);
    }
  });

  it('takes the download locations from the provenance in SOURCE.txt', () => {
    const humanEvalSource = readFileSync(join(dataDir, 'human-eval-infilling/SOURCE.txt'), 'utf8');
    const santaCoderSource = readFileSync(join(dataDir, 'santacoder-fim/SOURCE.txt'), 'utf8');
    expect(humanEvalSource).toContain(
      `github.com/openai/human-eval-infilling @ ${HUMAN_EVAL_INFILLING_COMMIT}`,
    );
    expect(santaCoderSource).toContain(`github.com/QwenLM/Qwen2.5-Coder @ ${QWEN_CODER_COMMIT}`);
    expect(santaCoderSource).toContain(`sha256 ${SANTACODER_FIM_PARQUET.sha256}`);
    expect(santaCoderSource).toContain('bigcode/santacoder-fim-task');
    for (const name of DATASET_NAMES) {
      const download = DATASET_SOURCES[name].download;
      expect(humanEvalSource + santaCoderSource).toContain(download.path.split('/').pop());
      for (const url of download.urls) expect(url).toMatch(/^https:\/\//);
    }
    expect(SANTACODER_FIM_PARQUET.urls[0]).toBe(
      'https://huggingface.co/datasets/bigcode/santacoder-fim-task/resolve/main/' +
        'data/train-00000-of-00001-b6ec1fdd66018baa.parquet',
    );
  });

  // Row-wise checks collect the rows that fail (one expect per check, not per row: jest's expect is slow).
  it('maps HumanEval rows: id = task_id, prefix = prompt, suffix = suffix, middle = canonical_solution', () => {
    for (const name of Object.keys(HUMAN_EVAL_ID) as (keyof typeof HUMAN_EVAL_ID)[]) {
      const tasks = loaded.get(name)!.tasks as HumanEvalTask[];
      const raw = readJsonLines(join(dataDir, DATASET_SOURCES[name].dataDirFiles[0].path));
      expect(tasks.map((task) => task.row)).toEqual(raw);
      const bad = tasks.filter(
        (task, i) =>
          task.dataset !== name ||
          task.index !== i ||
          !HUMAN_EVAL_ID[name].test(task.id) ||
          task.id !== task.row.task_id ||
          task.prefix !== task.row.prompt ||
          task.suffix !== task.row.suffix ||
          task.canonicalMiddle !== task.row.canonical_solution ||
          referenceFile(task) !== task.row.prompt + task.row.canonical_solution + task.row.suffix ||
          !/^[A-Za-z_]\w*$/.test(task.row.entry_point) ||
          !task.row.test.includes('def check('),
      );
      expect(bad.map((task) => task.id)).toEqual([]);
      expect(new Set(tasks.map((task) => task.id)).size).toBe(tasks.length);
    }
  });

  it('maps SantaCoder rows: prefix = prompt + "\\n", suffix = "\\n" + suffix, the file is rebuilt', () => {
    const tasks = loaded.get('santacoder-fim-py')!.tasks as SantaCoderTask[];
    const raw = readJsonLines(join(dataDir, SANTACODER_FIM_PY_JSONL.path));
    expect(tasks.map((task) => task.row)).toEqual(raw);
    const bad = tasks.filter(
      (task, i) =>
        task.dataset !== 'santacoder-fim-py' ||
        task.index !== i ||
        task.id !== `${i}/${task.row.name}` ||
        task.name !== task.row.name ||
        task.row.language !== 'py' ||
        task.prefix !== `${task.row.prompt}\n` ||
        task.suffix !== `\n${task.row.suffix}` ||
        task.canonicalMiddle !== task.row.canonical_solution ||
        task.canonicalMiddle.includes('\n') ||
        referenceFile(task) !== `${task.row.prompt}\n${task.row.canonical_solution}\n${task.row.suffix}` ||
        !task.row.tests.includes('def check('),
    );
    expect(bad.map((task) => task.id)).toEqual([]);
    expect(new Set(tasks.map((task) => task.row.name)).size).toBe(tasks.length);
  });

  it.each([
    ['humaneval-single-line', REFERENCE_RUNS.humanEvalSingleLine],
    ['santacoder-fim-py', REFERENCE_RUNS.santaCoderPy],
  ] as const)('%s matches the seed run row for row (task_id, prefix, suffix, middle)', (name, file) => {
    const { tasks } = loaded.get(name)!;
    const seed = readJsonLines(join(dataDir, file));
    expect(seed.map((row) => [row.task_id, row.prefix, row.suffix, row.ground_truth_middle])).toEqual(
      tasks.map((task: BenchmarkTask) => {
        const input = seedInfillInput(task);
        const taskId = task.dataset === 'santacoder-fim-py' ? task.index : task.id;
        return [taskId, input.prefix, input.suffix, task.canonicalMiddle];
      }),
    );
  });

  it('reads the Hugging Face parquet: 4792 rows; its Python rows equal santacoder-fim-task-py.jsonl.gz', async () => {
    const all = await readParquetObjects(join(dataDir, SANTACODER_FIM_PARQUET.path), ['language']);
    const languages: Record<string, number> = {};
    for (const row of all) languages[String(row.language)] = (languages[String(row.language)] ?? 0) + 1;
    expect(all).toHaveLength(4792);
    expect(languages).toEqual({ py: 1043, js: 1969, java: 1780 });

    await withTempDir(async (tmp) => {
      const parquetOnly = join(tmp, 'data');
      await link(parquetOnly, dataDir, SANTACODER_FIM_PARQUET.path);
      await writeFile(
        join(parquetOnly, 'SHA256SUMS'),
        `${SANTACODER_FIM_PARQUET.sha256}  ./${SANTACODER_FIM_PARQUET.path}\n`,
      );
      const fromParquet = await loadDataset('santacoder-fim-py', {
        env: isolatedEnv(parquetOnly, join(tmp, 'c')),
      });
      expect(fromParquet.origin).toBe('data-dir');
      expect(fromParquet.file).toBe(join(parquetOnly, SANTACODER_FIM_PARQUET.path));
      expect(fromParquet.sha256).toBe(SANTACODER_FIM_PARQUET.sha256);
      expect(fromParquet.tasks).toHaveLength(1043);
      expect(fromParquet.tasks).toEqual(loaded.get('santacoder-fim-py')!.tasks);
    });
  });

  describe('sha256 verification against SHA256SUMS', () => {
    const file = DATASET_SOURCES['humaneval-random-span-light'].dataDirFiles[0];
    const wrong = 'f'.repeat(64);

    it('a file whose listed hash differs is an error naming the file and both hashes', async () => {
      await withTempDir(async (tmp) => {
        await link(join(tmp, 'data'), dataDir, file.path);
        await writeFile(join(tmp, 'data', 'SHA256SUMS'), `${wrong}  ./${file.path}\n`);
        const load = loadDataset('humaneval-random-span-light', { env: isolatedEnv(join(tmp, 'data'), tmp) });
        await expect(load).rejects.toThrow(Sha256MismatchError);
        await expect(load).rejects.toThrow(
          `sha256 mismatch for ${join(tmp, 'data', file.path)}: expected ${wrong} ` +
            `(${join(tmp, 'data', 'SHA256SUMS')}), got ${file.sha256}`,
        );
      });
    });

    it('a changed file is an error even when it still parses', async () => {
      await withTempDir(async (tmp) => {
        const lines = gunzipSync(readFileSync(join(dataDir, file.path)))
          .toString('utf8')
          .split('\n');
        await mkdir(join(tmp, 'data', 'human-eval-infilling'), { recursive: true });
        await writeFile(join(tmp, 'data', file.path), gzipSync(lines.slice(0, 3).join('\n')));
        await writeFile(join(tmp, 'data', 'SHA256SUMS'), `${file.sha256}  ./${file.path}\n`);
        const load = loadDataset('humaneval-random-span-light', { env: isolatedEnv(join(tmp, 'data'), tmp) });
        await expect(load).rejects.toThrow(
          new RegExp(`sha256 mismatch for .*${file.path}: expected ${file.sha256}`),
        );
      });
    });

    it('a damaged file is reported as the mismatch, not as the gzip error it causes', async () => {
      await withTempDir(async (tmp) => {
        const bytes = readFileSync(join(dataDir, file.path));
        bytes[bytes.length >> 1] ^= 0xff;
        await mkdir(join(tmp, 'data', 'human-eval-infilling'), { recursive: true });
        await writeFile(join(tmp, 'data', file.path), bytes);
        await writeFile(join(tmp, 'data', 'SHA256SUMS'), `${file.sha256}  ./${file.path}\n`);
        const load = loadDataset('humaneval-random-span-light', { env: isolatedEnv(join(tmp, 'data'), tmp) });
        await expect(load).rejects.toThrow(Sha256MismatchError);
        // Without SHA256SUMS the same damage is a format error naming the file.
        await writeFile(join(tmp, 'data', 'SHA256SUMS'), '');
        const unverified = loadDataset('humaneval-random-span-light', {
          env: isolatedEnv(join(tmp, 'data'), tmp),
        });
        await expect(unverified).rejects.toThrow(DatasetFormatError);
        await expect(unverified).rejects.toThrow(join(tmp, 'data', file.path));
      });
    });

    it('the parquet is verified too', async () => {
      await withTempDir(async (tmp) => {
        await link(join(tmp, 'data'), dataDir, SANTACODER_FIM_PARQUET.path);
        await writeFile(join(tmp, 'data', 'SHA256SUMS'), `${wrong}  ./${SANTACODER_FIM_PARQUET.path}\n`);
        const load = loadDataset('santacoder-fim-py', { env: isolatedEnv(join(tmp, 'data'), tmp) });
        await expect(load).rejects.toThrow(`expected ${wrong}`);
      });
    });

    it('a data directory without SHA256SUMS (or not listing the file) is read unverified', async () => {
      await withTempDir(async (tmp) => {
        await link(join(tmp, 'data'), dataDir, file.path);
        const plain = await loadDataset('humaneval-random-span-light', {
          env: isolatedEnv(join(tmp, 'data'), tmp),
        });
        expect(plain.tasks).toHaveLength(164);
        expect(plain.sha256).toBeUndefined();
      });
    });
  });
});
