import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDataLocations } from '../data-locations';
import { DATASET_SOURCES } from '../dataset-sources';

// Spec helpers (not exported from the lib): the real benchmark files of the shared data directory, read in place.

export const REFERENCE_RUNS = {
  humanEvalSingleLine: 'reference-runs/open-dcoder-0.5B/humaneval-singleline.jsonl.gz',
  santaCoderPy: 'reference-runs/open-dcoder-0.5B/santacoder-fim-py.jsonl.gz',
} as const;

/**
 * ENSEMBLE_DATA_DIR, or `<repo>/../shared/data` (CI's layout). Fails, naming what is missing, when it does not
 * hold the benchmark files: these specs never skip.
 */
export function sharedDataDir(): string {
  const dir = resolveDataLocations({}, { ENSEMBLE_DATA_DIR: process.env.ENSEMBLE_DATA_DIR }).dataDir;
  const needed = [
    'SHA256SUMS',
    ...Object.values(DATASET_SOURCES).flatMap((source) => source.dataDirFiles.map((file) => file.path)),
    ...Object.values(REFERENCE_RUNS),
    'human-eval-infilling/SOURCE.txt',
    'santacoder-fim/SOURCE.txt',
  ];
  const missing = needed.filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) {
    throw new Error(
      `benchmark data missing in ${dir} (${missing.join(', ')}): set ENSEMBLE_DATA_DIR to the shared data ` +
        'directory (CI uses ../shared/data beside the repository)',
    );
  }
  return dir;
}

/** Environment for a spec: the given directories and a mirror nobody listens on, so nothing reaches the network. */
export function isolatedEnv(
  dataDir: string,
  cacheDir: string,
  mirror = 'http://127.0.0.1:9',
): NodeJS.ProcessEnv {
  return { ENSEMBLE_DATA_DIR: dataDir, ENSEMBLE_CACHE_DIR: cacheDir, ENSEMBLE_DATASET_MIRROR: mirror };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ensemble-eval-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
