import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { findProjectPath } from '@ensemble/config';
import { runChild } from './child-process';

export interface PerfModels {
  /** Cache folder of this (config, seed, exporter version). */
  dir: string;
  key: string;
  config: string;
  checkpoint: string;
  ar: string;
  diffusion: string;
  /** The AR model with its weights inside model.onnx (no external data), when built. */
  arSingleFile?: string;
  exporterVersion: string;
}

export interface PerfModelOptions {
  config: string;
  seed: number;
  /** Parent of the cache folders; default $ENSEMBLE_CACHE_DIR/perf or ~/.cache/ensemble-infill/perf. */
  cacheDir?: string;
  singleFile: boolean;
  log: (line: string) => void;
}

export function repoRoot(): string {
  const pkg = findProjectPath('package.json');
  if (!pkg) throw new Error('cannot find the project root (package.json) from the bench installation');
  return resolve(pkg, '..');
}

export function venvPython(): string {
  return process.env.ENSEMBLE_PERF_PYTHON ?? join(repoRoot(), '.venv', 'bin', 'python');
}

/** The export tool's version: part of the cache key, so a new exporter rebuilds the models. */
function exporterVersion(root: string): string {
  const init = readFileSync(join(root, 'tools', 'export', 'ensemble_export', '__init__.py'), 'utf8');
  const match = /__version__\s*=\s*"([^"]+)"/.exec(init);
  if (!match) throw new Error('tools/export/ensemble_export/__init__.py has no __version__');
  return match[1];
}

function defaultCacheDir(): string {
  return join(process.env.ENSEMBLE_CACHE_DIR ?? join(homedir(), '.cache', 'ensemble-infill'), 'perf');
}

/** Creates or refreshes the export venv (idempotent; a no-op when requirements.txt has not changed). */
export async function ensureVenv(log: (line: string) => void): Promise<string> {
  if (process.env.ENSEMBLE_PERF_PYTHON) return process.env.ENSEMBLE_PERF_PYTHON;
  const root = repoRoot();
  await runChild('bash', [join(root, 'tools', 'export', 'setup-venv.sh')], {
    cwd: root,
    onLine: (line) => log(`  ${line}`),
  });
  return venvPython();
}

/**
 * Builds (once) a seeded random checkpoint of `config` and its two ONNX model directories with tools/export, cached
 * under a folder keyed by the config's content, the seed and the exporter version. Each item is built in a
 * temporary folder and renamed when complete, so an interrupted build is redone, never half-used.
 */
export async function ensurePerfModels(options: PerfModelOptions): Promise<PerfModels> {
  const root = repoRoot();
  const config = resolve(options.config);
  if (!existsSync(config)) throw new Error(`model config ${config} not found`);
  const version = exporterVersion(root);
  const hash = createHash('sha256').update(readFileSync(config)).digest('hex').slice(0, 12);
  const key = `${basename(config, '.json')}-${hash}-seed${options.seed}-export${version}`;
  const dir = join(options.cacheDir ? resolve(options.cacheDir) : defaultCacheDir(), key);
  mkdirSync(dir, { recursive: true });
  const models: PerfModels = {
    dir,
    key,
    config,
    checkpoint: join(dir, 'checkpoint'),
    ar: join(dir, 'ar'),
    diffusion: join(dir, 'diffusion'),
    exporterVersion: version,
  };
  const missing = [models.checkpoint, models.ar, models.diffusion].some((path) => !existsSync(path));
  const wantSingle = options.singleFile && !existsSync(join(dir, 'ar-single-file'));
  if (!missing && !wantSingle) {
    options.log(`bench: perf models cached in ${dir}`);
  }
  const python = missing || wantSingle ? await ensureVenv(options.log) : venvPython();
  const cli = join(root, 'tools', 'export', 'cli.py');
  const build = async (target: string, what: string, args: (tmp: string) => string[]) => {
    if (existsSync(target)) return;
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    options.log(`bench: building ${what} in ${target} (once; cached)`);
    const startedAt = performance.now();
    await runChild(python, args(tmp), { cwd: root, onLine: (line) => options.log(`  ${line}`) });
    renameSync(tmp, target);
    options.log(`bench: ${what} built in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  };
  await build(models.checkpoint, 'the random checkpoint', (tmp) => [
    cli,
    'random-checkpoint',
    '--config',
    config,
    '--seed',
    String(options.seed),
    '--out',
    tmp,
  ]);
  for (const [kind, target] of [
    ['autoregressive', models.ar],
    ['diffusion', models.diffusion],
  ] as const) {
    await build(target, `the ${kind} model directory`, (tmp) => [
      cli,
      'export',
      '--checkpoint',
      models.checkpoint,
      '--kind',
      kind,
      '--out',
      tmp,
      '--name',
      `perf-${kind === 'autoregressive' ? 'ar' : 'diffusion'}-${basename(config, '.json')}`,
    ]);
  }
  if (options.singleFile) {
    const target = join(dir, 'ar-single-file');
    await build(target, 'the single-file layout of the AR model', (tmp) => [
      join(root, 'tools', 'perf', 'single_file.py'),
      models.ar,
      tmp,
    ]);
    models.arSingleFile = target;
  }
  writeFileSync(
    join(dir, 'perf-models.json'),
    JSON.stringify({ key, config, seed: options.seed, exporterVersion: version }, null, 2) + '\n',
  );
  return models;
}
