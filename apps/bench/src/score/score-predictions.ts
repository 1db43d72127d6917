import {
  DatasetName,
  EvaluationMetrics,
  JudgedTask,
  judgeEntries,
  loadDataset,
  readPredictions,
  summarize,
} from '@ensemble/evaluation';
import { createExecutor } from '../execution/create-executor';
import { Progress } from '../progress';

export interface ScoreOptions {
  file: string;
  dataset: DatasetName;
  unsafeNoSandbox: boolean;
  parallelism?: number;
  timeoutMs?: number;
  /** Shown on the progress line. */
  label?: string;
  log: (line: string) => void;
}

export interface ScoreResult {
  metrics: EvaluationMetrics;
  tasks: JudgedTask[];
  format: string;
  /** How HumanEval programs ran ('sandboxed' | 'unsafe-no-sandbox'); undefined for exact-match datasets. */
  executionMode?: string;
}

/** Judges a predictions file against its dataset (executing HumanEval programs in the sandbox) and summarises it. */
export async function scorePredictions(options: ScoreOptions): Promise<ScoreResult> {
  const dataset = await loadDataset(options.dataset);
  const predictions = await readPredictions(options.file, dataset.tasks);
  options.log(
    `bench: ${options.file}: ${predictions.entries.length} tasks (${predictions.format} format) of ` +
      `${dataset.tasks.length} in ${options.dataset}` +
      (predictions.failedTasks.length ? `, ${predictions.failedTasks.length} failed tasks not scored` : ''),
  );
  const executor =
    options.dataset === 'santacoder-fim-py'
      ? undefined
      : await createExecutor({
          unsafeNoSandbox: options.unsafeNoSandbox,
          parallelism: options.parallelism,
          timeoutMs: options.timeoutMs,
          log: options.log,
        });
  const progress = new Progress(options.label ?? 'executing', 0);
  const tasks = await judgeEntries(predictions.entries, {
    executor,
    onProgress: (done, total) => progress.update(done, 0, total),
  });
  if (executor) progress.finish();
  return {
    metrics: summarize(options.dataset, tasks, predictions.failedTasks.length),
    tasks,
    format: predictions.format,
    executionMode: executor?.mode,
  };
}

/** The plain counts, one line, e.g. "humaneval-single-line: 790/1033 passed (76.48%)". */
export function countsLine(metrics: EvaluationMetrics): string {
  const { counts } = metrics;
  const pct = (n: number) => `${((100 * n) / Math.max(1, counts.tasks)).toFixed(2)}%`;
  if (counts.passed !== undefined) {
    return `${metrics.dataset}: ${counts.passed}/${counts.tasks} passed (${pct(counts.passed)})`;
  }
  return (
    `${metrics.dataset}: ${counts.exactMatchFirstLine}/${counts.tasks} exact match, first-line rule ` +
    `(${pct(counts.exactMatchFirstLine ?? 0)}); ${counts.exactMatchWhole}/${counts.tasks} whole rule ` +
    `(${pct(counts.exactMatchWhole ?? 0)})`
  );
}

/** The headline table as aligned text: one row per system and rule. */
export function headlineTable(metrics: EvaluationMetrics): string {
  const rows = [['rule', 'system', 'correct', 'rate', 'pass@k', 'efficiency']];
  for (const rule of metrics.rules) {
    for (const system of rule.systems) {
      const passAtK = Object.entries(system.passAtK)
        .filter(([k]) => k !== 'pass@1')
        .map(([k, v]) => `${k}=${(100 * v).toFixed(1)}`)
        .join(' ');
      rows.push([
        rule.rule,
        system.name,
        `${system.correct}/${system.tasks}`,
        `${(100 * system.rate).toFixed(2)}%`,
        passAtK,
        system.efficiency === undefined || system.efficiency === null ? '' : system.efficiency.toFixed(2),
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
