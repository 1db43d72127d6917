import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { findProjectPath, integer, optionalText, parseConfig } from '@ensemble/config';

/** Where datasets are looked for and fetched to, after environment and overrides are applied. */
export interface DataLocations {
  dataDir: string;
  /** How `dataDir` was chosen, for error messages. */
  dataDirFrom: 'option' | 'ENSEMBLE_DATA_DIR' | 'default';
  cacheDir: string;
  /** Base URL replacing the official locations (same layout as the data directory), or undefined. */
  mirror?: string;
  downloadTimeoutMs: number;
}

export type DataLocationOverrides = Partial<
  Pick<DataLocations, 'dataDir' | 'cacheDir' | 'mirror' | 'downloadTimeoutMs'>
>;

/**
 * The environment variables of the dataset layer:
 * - ENSEMBLE_DATA_DIR: data directory (layout of ../shared/data); default `<repo>/../shared/data`;
 * - ENSEMBLE_CACHE_DIR: where missing files are downloaded to; default `~/.cache/ensemble-infill`;
 * - ENSEMBLE_DATASET_MIRROR: http(s) base URL serving the data-directory layout, used instead of the official
 *   locations (for mirrors, air-gapped hosts and tests);
 * - ENSEMBLE_DOWNLOAD_TIMEOUT_MS: per-URL limit for a whole download, default 300000.
 */
export const dataLocationsSchema = z.object({
  ENSEMBLE_DATA_DIR: optionalText(),
  ENSEMBLE_CACHE_DIR: optionalText(),
  ENSEMBLE_DATASET_MIRROR: optionalText().refine(
    (value) => value === undefined || /^https?:\/\/[^/]/i.test(value),
    'expected an http:// or https:// base URL',
  ),
  ENSEMBLE_DOWNLOAD_TIMEOUT_MS: integer(300_000, 1, 86_400_000),
});

/** `<repo>/../shared/data`: beside the repository, where CI and the development machines keep the datasets. */
export function defaultDataDir(): string {
  const packageJson = findProjectPath('package.json', __dirname);
  const repo = packageJson ? dirname(packageJson) : process.cwd();
  return resolve(repo, '..', 'shared', 'data');
}

export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'ensemble-infill');
}

/** Resolves the locations from `overrides`, then the environment, then the defaults (ConfigError on a bad value). */
export function resolveDataLocations(
  overrides: DataLocationOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): DataLocations {
  const config = parseConfig(dataLocationsSchema, env);
  const dataDir = overrides.dataDir ?? config.ENSEMBLE_DATA_DIR;
  const mirror = overrides.mirror ?? config.ENSEMBLE_DATASET_MIRROR;
  return {
    dataDir: resolve(dataDir ?? defaultDataDir()),
    dataDirFrom:
      overrides.dataDir !== undefined
        ? 'option'
        : config.ENSEMBLE_DATA_DIR !== undefined
          ? 'ENSEMBLE_DATA_DIR'
          : 'default',
    cacheDir: resolve(overrides.cacheDir ?? config.ENSEMBLE_CACHE_DIR ?? defaultCacheDir()),
    mirror: mirror?.replace(/\/+$/, ''),
    downloadTimeoutMs: overrides.downloadTimeoutMs ?? config.ENSEMBLE_DOWNLOAD_TIMEOUT_MS,
  };
}
