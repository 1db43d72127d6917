import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetName, EvaluationMetrics } from '@ensemble/evaluation';
import { RunFolder } from '../results/run-folder';
import type { WandbOptions } from '../results/wandb-logger';
import { EmbeddedModels, describeModels, startEmbeddedStack } from '../run/embedded-stack';
import { RunBenchmarkOptions, runBenchmark } from '../run/run-benchmark';
import { RunIdentity } from '../run/run-config';
import type { LocalStack } from '../local-stack';

/** The seed's protocol (docs/REFERENCE.md §3, §5): temperature 0.6, top-p 0.95, p2 with 64 steps, oracle length. */
export const SEED_PROTOCOL = {
  sampling: { temperature: 0.6, topP: 0.95, seed: 0 },
  diffusion: { steps: 64, algorithm: 'p2' },
  oracleLength: true,
} as const;

export interface ExperimentsOptions {
  datasets: DatasetName[];
  limit?: number;
  maxNewTokens?: number;
  target?: string;
  models: EmbeddedModels;
  resultsDir: string;
  experimentId: string;
  resume: boolean;
  concurrency: number;
  unsafeNoSandbox: boolean;
  parallelism?: number;
  wandb?: WandbOptions;
  log: (line: string) => void;
}

/**
 * `bench experiments` (`npm run experiments`): what the seed's run_experiments.sh did — the ensemble on
 * HumanEval-Infilling and SantaCoder-FIM under the published protocol, every strategy, metrics and a report per
 * dataset, plus a summary table — on a running orchestrator or on an embedded stack started once for all datasets.
 */
export async function runExperiments(options: ExperimentsOptions): Promise<string> {
  const root = RunFolder.open(join(options.resultsDir, options.experimentId));
  const stack: LocalStack | undefined = options.target
    ? undefined
    : await startEmbeddedStack(options.models, root.path('servers.log'), options.log);
  const summaries: Array<{ dataset: DatasetName; metrics?: EvaluationMetrics; error?: string }> = [];
  try {
    for (const dataset of options.datasets) {
      const identity: RunIdentity = {
        dataset,
        slice: { offset: 0, limit: options.limit },
        sampling: { ...SEED_PROTOCOL.sampling, maxNewTokens: options.maxNewTokens },
        diffusion: { ...SEED_PROTOCOL.diffusion },
        oracleLength: SEED_PROTOCOL.oracleLength,
        strategies: [],
        primaryStrategy: 'cross',
      };
      const run: RunBenchmarkOptions = {
        identity,
        target: stack?.orchestratorTarget ?? options.target,
        embedded: stack ? { models: options.models, stack } : undefined,
        resultsDir: root.dir,
        runId: dataset,
        resume: options.resume && new RunFolder(join(root.dir, dataset)).exists('config.json'),
        concurrency: options.concurrency,
        execute: true,
        unsafeNoSandbox: options.unsafeNoSandbox,
        parallelism: options.parallelism,
        report: true,
        wandb: options.wandb,
        log: options.log,
      };
      options.log(`bench: experiments: ${dataset}`);
      const folder = await runBenchmark(run);
      summaries.push({ dataset, metrics: folder.readJson<EvaluationMetrics>('metrics.json') });
    }
  } finally {
    await stack?.stop();
  }
  const summary = summaryMarkdown(options, summaries);
  writeFileSync(root.path('summary.md'), summary);
  root.writeJson('summary.json', summaries);
  options.log(summary);
  return root.dir;
}

function summaryMarkdown(
  options: ExperimentsOptions,
  summaries: Array<{ dataset: DatasetName; metrics?: EvaluationMetrics }>,
): string {
  const lines = [`# Experiments ${options.experimentId}`, ''];
  const models = describeModels(options.models);
  if (!options.target && models.tinyModels) {
    lines.push(
      '**These numbers come from the bundled tiny test models (random weights). They show that the pipeline ' +
        'runs end to end, not how good the ensemble is.** Give real model directories for real numbers.',
      '',
    );
  }
  lines.push(
    '| dataset | rule | system | correct | rate | efficiency |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const { dataset, metrics } of summaries) {
    for (const rule of metrics?.rules ?? []) {
      for (const system of rule.systems) {
        const efficiency =
          system.efficiency === undefined || system.efficiency === null ? '' : system.efficiency.toFixed(2);
        lines.push(
          `| ${dataset} | ${rule.rule} | ${system.name} | ${system.correct}/${system.tasks} | ` +
            `${(100 * system.rate).toFixed(2)}% | ${efficiency} |`,
        );
      }
    }
  }
  lines.push('', `Per-dataset run folders (predictions, metrics, report.html) are next to this file.`, '');
  return lines.join('\n');
}
