import type { PredictionRecord } from '@ensemble/evaluation';
import type { RunConfig } from '../run/run-config';
import { TIMINGS_FILE, runStats } from '../run/run-stats';
import { countsLine, headlineTable, scorePredictions } from '../score/score-predictions';
import { PREDICTIONS_FILE, RunFolder } from './run-folder';
import { WandbOptions, logToWandb } from './wandb-logger';
import { writeResults } from './write-results';

export interface FinishOptions {
  execute: boolean;
  unsafeNoSandbox: boolean;
  parallelism?: number;
  timeoutMs?: number;
  report: boolean;
  /** Log the finished run to Weights & Biases (a failure is only a warning). */
  wandb?: WandbOptions;
  log: (line: string) => void;
}

export const TINY_MODELS_NOTE =
  'Ran on the bundled tiny test models (random weights): the numbers show the pipeline works, not model quality.';

/**
 * The end of a run (or of a merge): stats.json from the timings, then the predictions judged exactly as
 * `bench score` judges a file, metrics.json, outcomes.jsonl and the report.
 */
export async function finishRun(
  folder: RunFolder,
  config: RunConfig,
  records: readonly PredictionRecord[],
  segment: { wallMs: number; tasks: number } | undefined,
  options: FinishOptions,
): Promise<void> {
  const { log } = options;
  const failed = records.filter((r) => r.status !== 'ok').length;
  const previous = folder.readJson<{ segments?: Array<{ wallMs: number; tasks: number }> }>('stats.json');
  const segments = [...(previous?.segments ?? []), ...(segment && segment.tasks > 0 ? [segment] : [])];
  const counts = { tasks: records.length, ok: records.length - failed, failed };
  folder.writeJson('stats.json', runStats(folder.path(TIMINGS_FILE), segments, counts));
  if (failed > 0) log(`bench: ${failed} tasks failed (see "error" in predictions.jsonl); --resume retries them`);
  if (!options.execute && config.dataset !== 'santacoder-fim-py') {
    log('bench: --no-execute: predictions saved, not judged (run `bench score` on them later)');
    return;
  }
  const result = await scorePredictions({
    file: folder.path(PREDICTIONS_FILE),
    dataset: config.dataset,
    unsafeNoSandbox: options.unsafeNoSandbox,
    parallelism: options.parallelism,
    timeoutMs: options.timeoutMs,
    log,
  });
  config.execution = result.executionMode
    ? { mode: result.executionMode, timeoutMs: options.timeoutMs ?? 3000 }
    : null;
  folder.writeJson('config.json', config);
  await writeResults(folder, {
    title: `Ensemble run ${config.runId} (${config.dataset})`,
    runId: config.runId,
    config: config as unknown as Record<string, unknown>,
    metrics: result.metrics,
    tasks: result.tasks,
    notes: config.embedded?.tinyModels ? [TINY_MODELS_NOTE] : undefined,
    noReport: !options.report,
    log,
  });
  log(headlineTable(result.metrics));
  process.stdout.write(countsLine(result.metrics) + '\n');
  if (options.wandb) logToWandb(folder.dir, options.wandb, log);
}
