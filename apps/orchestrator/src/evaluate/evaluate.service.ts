import { Inject, Injectable } from '@nestjs/common';
import { Observable, Subscriber } from 'rxjs';
import {
  DiffusionParams,
  EvaluateRequest,
  EvaluateResponse,
  LengthPolicy,
  TaskResult,
  TaskStatus,
} from '@ensemble/proto';
import { FailedPreconditionError, InvalidArgumentError, JsonLogger, RequestContext } from '@ensemble/grpc';
import {
  BenchmarkTask,
  DatasetUnavailableError,
  loadDataset,
  middleShape,
  seedInfillInput,
  sliceTasks,
  TaskSliceError,
} from '@ensemble/evaluation';
import { BackendRegistry } from '../backends/backend-registry.service';
import { EvaluateParams, validateEvaluateRequest } from '../ensemble-params';
import { CandidateSelector } from '../infill/candidate-selector';
import { EnsemblePipeline } from '../infill/ensemble-pipeline';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from '../orchestrator.config';

const DEFAULT_CONCURRENCY = 4;
const PROGRESS_EVERY_MS = 2_000;

/**
 * Ensemble.Evaluate: runs a benchmark split (or a slice of it) through the pipeline with bounded concurrency and
 * streams one event per task as it finishes, with the choice of every strategy, plus progress events. A task
 * that fails is streamed as FAILED with the reason; none is dropped.
 */
@Injectable()
export class EvaluateService {
  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly pipeline: EnsemblePipeline,
    private readonly selector: CandidateSelector,
    private readonly registry: BackendRegistry,
    private readonly logger: JsonLogger,
  ) {}

  evaluate(request: EvaluateRequest, context: RequestContext): Observable<EvaluateResponse> {
    return new Observable<EvaluateResponse>((subscriber) => {
      this.run(request, context, subscriber).then(
        () => subscriber.complete(),
        (error: unknown) => subscriber.error(error),
      );
    });
  }

  private async run(
    request: EvaluateRequest,
    context: RequestContext,
    out: Subscriber<EvaluateResponse>,
  ): Promise<void> {
    const params = validateEvaluateRequest(request, this.config.limits);
    const tasks = await this.tasksOf(params, request.taskIds ?? []);
    const startedAt = performance.now();
    out.next({
      started: {
        dataset: params.dataset,
        totalTasks: tasks.length,
        backends: this.registry.backends.map((backend) => ({
          name: backend.name,
          model: backend.info?.name ?? '',
          kind: backend.info?.kind ?? 0,
        })),
      },
    });
    const strategies = this.selector.strategiesFor(request.strategies ?? []);
    let done = 0;
    let failed = 0;
    let lastProgress = 0;
    const progress = (force = false) => {
      const now = performance.now();
      if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      out.next({ progress: { done, failed, total: tasks.length, elapsedMs: now - startedAt } });
    };

    let next = 0;
    const worker = async () => {
      while (next < tasks.length && !context.signal.aborted) {
        const task = tasks[next++];
        const result = await this.runTask(task, request, params, strategies, context);
        if (context.signal.aborted) return;
        done++;
        if (result.status === TaskStatus.TASK_STATUS_FAILED) failed++;
        out.next({ task: result });
        progress();
      }
    };
    const concurrency = Math.min(request.concurrency || DEFAULT_CONCURRENCY, Math.max(1, tasks.length));
    await Promise.all(Array.from({ length: concurrency }, worker));
    context.throwIfAborted();
    progress(true);
    out.next({ finished: { done, failed, elapsedMs: performance.now() - startedAt } });
  }

  private async runTask(
    task: BenchmarkTask,
    request: EvaluateRequest,
    params: EvaluateParams,
    strategies: ReturnType<CandidateSelector['strategiesFor']>,
    context: RequestContext,
  ): Promise<TaskResult> {
    // The published protocol's inputs, so runs compare with the published numbers.
    const input = seedInfillInput(task);
    const base: TaskResult = {
      taskId: task.id,
      index: task.index,
      status: TaskStatus.TASK_STATUS_OK,
      error: '',
      input,
      canonicalMiddle: task.canonicalMiddle,
      candidates: [],
      selections: [],
      missingBackends: [],
      timings: undefined,
    };
    const diffusion: DiffusionParams | undefined = params.oracleLength
      ? {
          algorithm: 0,
          candidateLengths: [],
          ...request.diffusion,
          lengthPolicy: LengthPolicy.LENGTH_POLICY_ORACLE,
          referenceMiddle: task.canonicalMiddle,
        }
      : (request.diffusion ?? undefined);
    try {
      const result = await this.pipeline.run(
        { input, sampling: request.sampling ?? undefined, diffusion, backends: [] },
        { deadline: undefined, signal: context.signal, requestId: `${context.requestId}/${task.id}` },
      );
      const selectStartedAt = performance.now();
      const selections = this.selector.selectAll(strategies, result.candidates, this.registry, {
        input,
        shape: middleShape(task.dataset),
        parseFilter: false,
      });
      return {
        ...base,
        candidates: result.candidates,
        selections,
        missingBackends: result.missing,
        timings: {
          generateMs: result.generateMs,
          scoreMs: result.scoreMs,
          selectMs: performance.now() - selectStartedAt,
          totalMs: result.generateMs + result.scoreMs + (performance.now() - selectStartedAt),
        },
      };
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      this.logger.warn({ msg: 'task failed', taskId: task.id, error: (error as Error).message }, 'evaluate');
      return {
        ...base,
        status: TaskStatus.TASK_STATUS_FAILED,
        error: (error as { details?: string }).details || (error as Error).message,
      };
    }
  }

  private async tasksOf(params: EvaluateParams, taskIds: string[]): Promise<BenchmarkTask[]> {
    try {
      const dataset = await loadDataset(params.dataset);
      return sliceTasks(dataset.tasks as BenchmarkTask[], {
        ids: taskIds.length > 0 ? taskIds : undefined,
        offset: params.offset,
        limit: params.limit,
        ...(params.shardCount > 1 ? { shardIndex: params.shardIndex, shardCount: params.shardCount } : {}),
      });
    } catch (error) {
      if (error instanceof DatasetUnavailableError) throw new FailedPreconditionError(error.message);
      if (error instanceof TaskSliceError) {
        throw new InvalidArgumentError(
          error.message.startsWith('ids:') ? 'task_ids' : 'slice',
          error.message,
        );
      }
      throw error;
    }
  }
}
