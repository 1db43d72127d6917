import { DatasetName } from '@ensemble/evaluation';
import { wandbFrom } from '../results/wandb-logger';
import { UsageError } from '../usage-error';
import { RunBenchmarkOptions, runBenchmark } from './run-benchmark';

/** `bench run` options as commander parses them. */
export interface RunCliOptions {
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
  unsafeNoSandbox?: boolean;
  parallelism?: number;
  timeout?: number;
  report: boolean;
  wandbProject?: string;
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
    unsafeNoSandbox: cli.unsafeNoSandbox === true,
    parallelism: cli.parallelism,
    timeoutMs: cli.timeout,
    report: cli.report,
    wandb: wandbFrom(cli.wandbProject),
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
