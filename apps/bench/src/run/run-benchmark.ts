import * as grpc from '@grpc/grpc-js';
import { createClient } from '@ensemble/grpc';
import { BenchmarkTask, TaskSliceError, loadDataset, sliceTasks } from '@ensemble/evaluation';
import { ENSEMBLE_SERVICE, EvaluateRequest, ModelKind, TaskStatus } from '@ensemble/proto';
import {
  ALGORITHM_VALUES,
  DiffusionAlgorithmName,
  STRATEGY_VALUES,
  SelectionStrategyName,
} from '@ensemble/validation';
import type { LocalStack } from '../local-stack';
import { Progress } from '../progress';
import { PREDICTIONS_FILE, RunFolder } from '../results/run-folder';
import { FinishOptions, finishRun } from '../results/finish-run';
import { EmbeddedModels, describeModels, startEmbeddedStack } from './embedded-stack';
import { streamEvaluate } from './evaluate-stream';
import { predictionFromResult } from './prediction-from-result';
import { RunConfig, RunIdentity, identityMismatch, newRunConfig } from './run-config';
import { TIMINGS_FILE, appendTiming } from './run-stats';
import { UsageError } from '../usage-error';

/** What to run and where; the FinishOptions say how the predictions are then judged and reported. */
export interface RunBenchmarkOptions extends FinishOptions {
  identity: RunIdentity;
  /** Orchestrator address; undefined with `embedded`. */
  target?: string;
  /**
   * Run on an embedded stack (the three servers on this machine; tiny bundled models unless directories are given):
   * the one in `stack` when the caller started it, otherwise one started here when there is work left.
   */
  embedded?: { models: EmbeddedModels; stack?: LocalStack };
  resultsDir: string;
  runId: string;
  resume: boolean;
  concurrency: number;
  /** Channel credentials and call metadata (TLS, bearer token) for the orchestrator. */
  credentials?: grpc.ChannelCredentials;
  metadata?: grpc.Metadata;
  signal?: AbortSignal;
}

/**
 * `bench run`: streams Ensemble.Evaluate into results/<run-id>/ one task at a time, then judges, summarises and
 * reports. With `resume`, tasks already saved are not asked for again and failed ones are retried; the final
 * predictions.jsonl is sorted by task so a resumed run and an uninterrupted one write the same file.
 */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<RunFolder> {
  const { identity, log } = options;
  const folder = RunFolder.open(`${options.resultsDir}/${options.runId}`);
  const previous = folder.readJson<RunConfig>('config.json');
  const saved = folder.readPredictions();
  if (options.resume) {
    if (!previous) throw new UsageError(`--resume: ${folder.dir} has no config.json; nothing to resume`);
    const mismatch = identityMismatch(previous, identity);
    if (mismatch) throw new UsageError(`--resume: settings differ from the saved run: ${mismatch}`);
  } else if (saved.size > 0 || previous) {
    throw new UsageError(
      `${folder.dir} already holds a run; add --resume to continue it, or choose another --run-id`,
    );
  }

  const dataset = await loadDataset(identity.dataset);
  const tasks = sliceOf(dataset.tasks, identity);
  const inSlice = new Set(tasks.map((t) => t.id));
  const done = new Set(
    [...saved.values()].filter((r) => r.status === 'ok' && inSlice.has(r.task_id)).map((r) => r.task_id),
  );
  const remaining = tasks.filter((t) => !done.has(t.id));
  log(
    `bench: run ${options.runId}: ${tasks.length} tasks of ${identity.dataset}` +
      (options.resume ? `, ${done.size} already saved, ${remaining.length} to run` : ''),
  );

  const ownStack =
    options.embedded && !options.embedded.stack && remaining.length > 0
      ? await startEmbeddedStack(options.embedded.models, folder.path('servers.log'), log)
      : undefined;
  const stack = options.embedded?.stack ?? ownStack;
  const config: RunConfig =
    previous ??
    newRunConfig(identity, {
      runId: options.runId,
      target: options.embedded ? 'embedded' : (options.target ?? ''),
      models: {},
      kinds: {},
      embedded: options.embedded ? describeModels(options.embedded.models) : undefined,
      concurrency: options.concurrency,
      execution: null,
    });
  const segment = { wallMs: 0, tasks: 0 };
  try {
    if (remaining.length > 0) {
      config.segments.push({ startedAt: new Date().toISOString(), tasksRequested: remaining.length });
      folder.writeJson('config.json', config);
      const startedAt = performance.now();
      await streamTasks(
        options,
        stack?.orchestratorTarget ?? options.target!,
        remaining,
        folder,
        config,
        segment,
      );
      segment.wallMs = performance.now() - startedAt;
    } else if (!previous) {
      folder.writeJson('config.json', config);
    }
  } finally {
    await ownStack?.stop();
  }

  const records = folder.readPredictions();
  const missing = tasks.filter((t) => !records.has(t.id));
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} of ${tasks.length} tasks have no result (first: ${missing[0].id}); ` +
        'the stream ended early — re-run with --resume',
    );
  }
  const final = folder.finalizePredictions(tasks.map((t) => records.get(t.id)!));
  await finishRun(folder, config, final, segment, options);
  return folder;
}

function sliceOf(all: readonly BenchmarkTask[], identity: RunIdentity): BenchmarkTask[] {
  const { slice } = identity;
  try {
    return sliceTasks(all, {
      ids: slice.taskIds,
      offset: slice.offset,
      limit: slice.limit,
      ...(slice.shardCount !== undefined && slice.shardCount > 1
        ? { shardIndex: slice.shardIndex ?? 0, shardCount: slice.shardCount }
        : {}),
    });
  } catch (error) {
    if (error instanceof TaskSliceError) throw new UsageError(error.message);
    throw error;
  }
}

function evaluateRequest(identity: RunIdentity, taskIds: string[], concurrency: number): EvaluateRequest {
  const { sampling, diffusion } = identity;
  return {
    dataset: identity.dataset,
    offset: 0,
    limit: undefined,
    shardIndex: 0,
    shardCount: 0,
    concurrency,
    sampling: { ...sampling, stop: [] },
    diffusion: {
      steps: diffusion.steps,
      algTemp: diffusion.algTemp,
      algorithm: diffusion.algorithm ? ALGORITHM_VALUES[diffusion.algorithm as DiffusionAlgorithmName] : 0,
      lengthPolicy: 0,
      candidateLengths: [],
    },
    oracleLength: identity.oracleLength,
    taskIds,
    strategies: identity.strategies.map((s) => STRATEGY_VALUES[s as SelectionStrategyName]),
  };
}

async function streamTasks(
  options: RunBenchmarkOptions,
  target: string,
  remaining: BenchmarkTask[],
  folder: RunFolder,
  config: RunConfig,
  segment: { tasks: number },
): Promise<void> {
  const client = createClient(ENSEMBLE_SERVICE, target, {}, options.credentials);
  const progress = new Progress('tasks', remaining.length);
  let received = 0;
  let failed = 0;
  try {
    await streamEvaluate(
      client,
      evaluateRequest(
        options.identity,
        remaining.map((t) => t.id),
        options.concurrency,
      ),
      {
        metadata: options.metadata,
        signal: options.signal,
        onEvent: (event) => {
          if (event.started) {
            config.models = Object.fromEntries(event.started.backends.map((b) => [b.name, b.model]));
            config.kinds = Object.fromEntries(
              event.started.backends.map((b) => [
                b.name,
                b.kind === ModelKind.MODEL_KIND_DIFFUSION ? 'diffusion' : 'autoregressive',
              ]),
            );
            folder.writeJson('config.json', config);
          } else if (event.task) {
            const record = predictionFromResult(
              options.identity.dataset,
              event.task,
              options.identity.primaryStrategy,
            );
            folder.appendPrediction(record);
            appendTiming(folder.path(TIMINGS_FILE), record.task_id, event.task.timings ?? undefined);
            received++;
            segment.tasks = received;
            if (event.task.status !== TaskStatus.TASK_STATUS_OK) failed++;
            progress.update(received, failed);
          }
        },
      },
    );
    progress.finish();
  } catch (error) {
    progress.finish();
    const grpcError = error as Partial<grpc.ServiceError>;
    const reason =
      grpcError.code !== undefined ? `${grpc.status[grpcError.code]}: ${grpcError.details}` : String(error);
    throw new Error(
      `the Evaluate stream from ${target} ended early (${reason}); ${received} of ${remaining.length} tasks were ` +
        `saved in ${folder.path(PREDICTIONS_FILE)} — re-run the same command with --resume to finish`,
    );
  } finally {
    client.close();
  }
}
