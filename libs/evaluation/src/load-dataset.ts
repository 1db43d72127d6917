import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BenchmarkTask,
  DatasetFormatError,
  type HumanEvalTask,
  type SantaCoderTask,
  humanEvalTask,
  parseHumanEvalRow,
  parseSantaCoderRow,
  santaCoderTask,
} from './benchmark-task';
import { type DataLocationOverrides, type DataLocations, resolveDataLocations } from './data-locations';
import { type DatasetName, isDatasetName } from './dataset-names';
import { DATASET_SOURCES, type DatasetFile, type DatasetSource } from './dataset-sources';
import { DownloadError, downloadVerified } from './download';
import { type ExpectedSha256, readJsonLinesGz } from './jsonl';
import { readParquetObjects } from './parquet';
import { SHA256SUMS, readSha256Sums, sha256File, verifySha256 } from './sha256';

export type TaskOf<N extends DatasetName> = N extends 'santacoder-fim-py' ? SantaCoderTask : HumanEvalTask;

export interface LoadedDataset<N extends DatasetName = DatasetName> {
  name: N;
  tasks: TaskOf<N>[];
  /** The file the tasks were read from. */
  file: string;
  origin: 'data-dir' | 'cache' | 'download';
  /** The verified sha256 of `file`; undefined for a data-directory file its SHA256SUMS does not list (or without one). */
  sha256?: string;
}

export interface LoadDatasetOptions extends DataLocationOverrides {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** Neither the data directory nor the cache has the dataset and it could not be downloaded. */
export class DatasetUnavailableError extends Error {
  override name = 'DatasetUnavailableError';
}

/**
 * Loads a benchmark split as tasks, in file order:
 * 1. from the data directory (ENSEMBLE_DATA_DIR, default `<repo>/../shared/data`), verified against its SHA256SUMS
 *    when that lists the file (a mismatch is a {@link Sha256MismatchError}, not a reason to download);
 * 2. else from the cache (ENSEMBLE_CACHE_DIR), whose files are checked against the published hash;
 * 3. else downloaded into the cache from the official location (or ENSEMBLE_DATASET_MIRROR) with sha256 verification;
 * and otherwise a {@link DatasetUnavailableError} saying what was looked for where and how to fix it.
 */
export async function loadDataset<N extends DatasetName>(
  name: N,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset<N>> {
  if (!isDatasetName(name)) throw new Error(`unknown dataset ${JSON.stringify(name)}`);
  const locations = resolveDataLocations(options, options.env);
  const source = DATASET_SOURCES[name];

  const sums = readSha256Sums(locations.dataDir);
  for (const file of source.dataDirFiles) {
    const path = join(locations.dataDir, file.path);
    if (!existsSync(path)) continue;
    const listed = sums?.get(file.path);
    const expected = listed ? { sha256: listed, from: join(locations.dataDir, SHA256SUMS) } : undefined;
    const tasks = await readTasks(source, file, path, expected);
    return { name, tasks: tasks as TaskOf<N>[], file: path, origin: 'data-dir', sha256: listed };
  }

  const download = source.download;
  const cached = join(locations.cacheDir, download.path);
  let cacheNote = 'not there';
  if (existsSync(cached)) {
    const actual = await sha256File(cached);
    if (actual === download.sha256) {
      const tasks = await readTasks(source, download, cached);
      return { name, tasks: tasks as TaskOf<N>[], file: cached, origin: 'cache', sha256: actual };
    }
    cacheNote = `had sha256 ${actual} instead of ${download.sha256}, removed`;
    await rm(cached, { force: true });
  }

  const urls = locations.mirror ? [`${locations.mirror}/${download.path}`] : download.urls;
  try {
    await downloadVerified({
      urls,
      destination: cached,
      sha256: download.sha256,
      sha256From: `published hash of ${download.path}`,
      timeoutMs: locations.downloadTimeoutMs,
      fetch: options.fetch,
    });
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    throw new DatasetUnavailableError(unavailableMessage(source, locations, cached, cacheNote, error));
  }
  const tasks = await readTasks(source, download, cached);
  return { name, tasks: tasks as TaskOf<N>[], file: cached, origin: 'download', sha256: download.sha256 };
}

function unavailableMessage(
  source: DatasetSource,
  locations: DataLocations,
  cached: string,
  cacheNote: string,
  error: DownloadError,
): string {
  const wanted = source.dataDirFiles.map((f) => f.path).join(' or ');
  const dirFrom = {
    option: 'given by the caller',
    ENSEMBLE_DATA_DIR: 'from ENSEMBLE_DATA_DIR',
    default: 'the default, ENSEMBLE_DATA_DIR is not set',
  }[locations.dataDirFrom];
  const dirState = existsSync(locations.dataDir) ? 'not there' : 'the directory does not exist';
  const tried = error.failures.map((f) => `${f.url} (${f.reason})`).join(', ');
  const hosts = [...new Set(error.failures.map((f) => hostOf(f.url)))].join(', ');
  return (
    `dataset ${source.name} is not available: looked for ${wanted} in the data directory ${locations.dataDir} ` +
    `(${dirFrom}): ${dirState}; looked for ${cached} in the cache: ${cacheNote}; ` +
    `download${locations.mirror ? ' from ENSEMBLE_DATASET_MIRROR' : ''} failed: ${tried}. ` +
    `Fix: set ENSEMBLE_DATA_DIR to a directory holding ${wanted} (the layout of ../shared/data, which CI uses), ` +
    (locations.mirror
      ? `or make the mirror serve ${source.download.path} (unset ENSEMBLE_DATASET_MIRROR to use the official ` +
        `locations ${source.download.urls.join(', ')}).`
      : `or allow network access to ${hosts} (or set ENSEMBLE_DATASET_MIRROR to a server with that layout).`)
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

async function readTasks(
  source: DatasetSource,
  file: DatasetFile,
  path: string,
  expected?: ExpectedSha256,
): Promise<BenchmarkTask[]> {
  const records: { value: unknown; where: string }[] = [];
  if (file.format === 'jsonl.gz') {
    await readJsonLinesGz(path, (value, line) => records.push({ value, where: `${path}:${line}` }), expected);
  } else {
    if (expected) await verifySha256(path, expected.sha256, expected.from);
    const rows = await readParquetObjects(path, PARQUET_COLUMNS);
    rows.forEach((value, i) => records.push({ value, where: `${path}: row ${i}` }));
  }

  const tasks: BenchmarkTask[] = [];
  if (source.name === 'santacoder-fim-py') {
    for (const { value, where } of records) {
      const row = parseSantaCoderRow(value, where);
      if (source.language === undefined || row.language === source.language) {
        tasks.push(santaCoderTask(row, tasks.length));
      }
    }
  } else {
    const dataset = source.name;
    records.forEach(({ value, where }, i) =>
      tasks.push(humanEvalTask(dataset, parseHumanEvalRow(value, where), i)),
    );
  }

  const seen = new Set<string>();
  for (const task of tasks) {
    if (seen.has(task.id)) throw new DatasetFormatError(`${path}: task id ${task.id} occurs more than once`);
    seen.add(task.id);
  }
  return tasks;
}

const PARQUET_COLUMNS = ['name', 'language', 'prompt', 'suffix', 'canonical_solution', 'tests'];
