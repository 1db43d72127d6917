import { Command, Option } from 'commander';
import { DatasetName } from '@ensemble/evaluation';
import {
  JudgingCliOptions,
  ReportingCliOptions,
  addJudgingOptions,
  addReportingOptions,
  datasetOption,
  finiteNumber,
  judgingFrom,
  log,
  positiveInt,
  reportingFrom,
} from '../cli/options';
import { ConnectionCliOptions, addConnectionOptions, connectionFrom } from '../cli/connection-options';
import { UsageError } from '../usage-error';
import { RunBenchmarkOptions, runBenchmark } from './run-benchmark';

/** `bench run` options as commander parses them. */
export interface RunCliOptions extends JudgingCliOptions, ReportingCliOptions, ConnectionCliOptions {
  dataset: DatasetName;
  target?: string;
  embedded?: boolean;
  arModelDir?: string;
  diffusionModelDir?: string;
  offset: number;
  limit?: number;
  shardIndex?: number;
  shardCount?: number;
  taskIds?: string;
  concurrency: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed: number;
  maxNewTokens?: number;
  samples?: number;
  steps?: number;
  algorithm?: string;
  algTemp?: number;
  oracleLength?: boolean;
  strategies?: string;
  strategy: string;
  resultsDir: string;
  runId?: string;
  resume?: boolean;
  execute: boolean;
}

export function defaultRunId(dataset: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${dataset}-${stamp}`;
}

/** Validates the combination of flags and builds the runner's options (single flags are checked by commander). */
export function runOptionsFrom(cli: RunCliOptions, log: (line: string) => void): RunBenchmarkOptions {
  const embedded = cli.embedded || cli.arModelDir !== undefined || cli.diffusionModelDir !== undefined;
  if (embedded && cli.target) throw new UsageError('give either --target or --embedded, not both');
  if (!embedded && !cli.target) {
    throw new UsageError(
      'give --target <host:port> of a running orchestrator, or --embedded to start one here',
    );
  }
  if ((cli.shardIndex === undefined) !== (cli.shardCount === undefined)) {
    throw new UsageError('--shard-index and --shard-count go together');
  }
  if (cli.resume && !cli.runId) throw new UsageError('--resume needs the --run-id of the run to continue');
  const strategies = cli.strategies ? cli.strategies.split(',').map((s) => s.trim()) : [];
  return {
    identity: {
      dataset: cli.dataset,
      slice: {
        offset: cli.offset,
        limit: cli.limit,
        shardIndex: cli.shardIndex,
        shardCount: cli.shardCount,
        taskIds: cli.taskIds ? cli.taskIds.split(',').map((id) => id.trim()) : undefined,
      },
      sampling: {
        temperature: cli.temperature,
        topP: cli.topP,
        topK: cli.topK,
        seed: cli.seed,
        maxNewTokens: cli.maxNewTokens,
        n: cli.samples,
      },
      diffusion: { steps: cli.steps, algorithm: cli.algorithm, algTemp: cli.algTemp },
      oracleLength: cli.oracleLength === true,
      strategies,
      primaryStrategy: cli.strategy,
    },
    target: cli.target,
    embedded: embedded
      ? { models: { arModelDir: cli.arModelDir, diffusionModelDir: cli.diffusionModelDir } }
      : undefined,
    resultsDir: cli.resultsDir,
    runId: cli.runId ?? defaultRunId(cli.dataset),
    resume: cli.resume === true,
    concurrency: cli.concurrency,
    execute: cli.execute,
    ...judgingFrom(cli),
    ...reportingFrom(cli),
    ...connectionFrom(cli),
    log,
  };
}

/** Runs with Ctrl-C / SIGTERM cancelling the stream (what was saved stays; --resume continues). */
export async function runCommand(cli: RunCliOptions, log: (line: string) => void): Promise<void> {
  const options = runOptionsFrom(cli, log);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const folder = await runBenchmark({ ...options, signal: controller.signal });
    log(`bench: results in ${folder.dir}`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description(
      'Run a benchmark split through the ensemble (Ensemble.Evaluate) into <results-dir>/<run-id>/: ' +
        'predictions.jsonl as tasks finish, then metrics.json, stats.json, config.json and report.html',
    )
    .addOption(datasetOption())
    .option('--target <host:port>', 'a running orchestrator')
    .option('--embedded', 'start ar-server, diffusion-server and the orchestrator here (bundled tiny models)')
    .option('--ar-model-dir <dir>', 'with --embedded: autoregressive model directory')
    .option('--diffusion-model-dir <dir>', 'with --embedded: diffusion model directory')
    .option('--offset <n>', 'skip this many tasks of the split', positiveInt('--offset'), 0)
    .option('--limit <n>', 'run at most this many tasks', positiveInt('--limit'))
    .option('--shard-index <i>', 'run tasks whose index % shard-count == i', positiveInt('--shard-index'))
    .option('--shard-count <n>', 'number of shards', positiveInt('--shard-count'))
    .option('--task-ids <ids>', 'comma-separated task ids to run')
    .option('--concurrency <n>', 'tasks in flight on the orchestrator', positiveInt('--concurrency'), 4)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', finiteNumber('--temperature'))
    .option('--top-p <p>', 'nucleus mass', finiteNumber('--top-p'))
    .option('--top-k <k>', 'top-k cut-off', positiveInt('--top-k'))
    .option(
      '--seed <n>',
      'sampling seed of every task (fixed so runs are reproducible)',
      positiveInt('--seed'),
      0,
    )
    .option('--max-new-tokens <n>', 'generation budget', positiveInt('--max-new-tokens'))
    .option('--samples <n>', 'samples per model and task (pass@k)', positiveInt('--samples'))
    .option('--steps <n>', 'diffusion denoising steps', positiveInt('--steps'))
    .addOption(
      new Option('--algorithm <name>', 'diffusion sampler').choices([
        'p2',
        'p2-legacy',
        'maskgit_plus',
        'entropy',
        'topk_margin',
        'origin',
      ]),
    )
    .option('--alg-temp <t>', 'diffusion confidence noise', finiteNumber('--alg-temp'))
    .option('--oracle-length', 'give the diffusion model the true middle length (the published protocol)')
    .option('--strategies <list>', 'comma-separated strategies to evaluate (default: all available)')
    .addOption(
      new Option('--strategy <name>', 'strategy whose pick is `completion` in predictions.jsonl')
        .choices(['seed', 'fim', 'cross', 'structural', 'learned'])
        .default('cross'),
    )
    .option('--results-dir <dir>', 'parent of the run folder', 'results')
    .option('--run-id <id>', 'run folder name (default: <dataset>-<timestamp>)')
    .option('--resume', 'continue the run --run-id: skip saved tasks, retry failed ones')
    .option('--no-execute', 'save predictions only; do not run the HumanEval tests');
  addConnectionOptions(addReportingOptions(addJudgingOptions(command))).action((options: RunCliOptions) =>
    runCommand(options, log),
  );
}
