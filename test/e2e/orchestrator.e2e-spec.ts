import { status } from '@grpc/grpc-js';
import { collectStream, createClient, unaryCall } from '@ensemble/grpc';
import {
  ENSEMBLE_SERVICE,
  EvaluateResponse,
  InfillResponse,
  MODEL_SERVICE,
  ScoreMode,
  SelectionStrategy,
  TaskStatus,
} from '@ensemble/proto';
import { applyStrategy, loadPythonSyntax, ScoreRow, StrategyName } from '@ensemble/selection';
import { SCORE_MODE_NAMES } from '@ensemble/validation';
import { bufCurl, grpcError, ServerProcess } from './support/server-process';

const input = { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' };
const request = {
  input,
  sampling: { temperature: 0, maxNewTokens: 16 },
  diffusion: { steps: 8, lengthPolicy: 1, middleLength: 8 },
};

/** The same matrix the orchestrator built, rebuilt from the response, for the pure strategy functions. */
function matrixOf(response: InfillResponse): ScoreRow[] {
  return response.candidates.map((candidate) => {
    const row: Record<string, Record<string, unknown>> = {};
    for (const cell of candidate.scores) {
      if (!cell.score) continue;
      row[cell.scorer] ??= {};
      row[cell.scorer][SCORE_MODE_NAMES[cell.mode as ScoreMode]] = {
        sumLogprob: cell.score.sumLogprob,
        tokenCount: cell.score.tokenCount,
        meanNll: cell.score.meanNll,
        perplexity: cell.score.perplexity,
      };
    }
    return row as ScoreRow;
  });
}

describe('orchestrator with both model servers as processes', () => {
  let ar: ServerProcess;
  let diffusion: ServerProcess;
  let orchestrator: ServerProcess;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    [ar, diffusion] = await Promise.all([
      ServerProcess.start('ar-server'),
      ServerProcess.start('diffusion-server'),
    ]);
    await Promise.all([ar.waitServing(), diffusion.waitServing()]);
    orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${diffusion.target}`,
      HEALTH_CHECK_INTERVAL_MS: '300',
      BACKEND_GENERATE_TIMEOUT_MS: '20000',
    });
    await orchestrator.waitServing();
    client = createClient(ENSEMBLE_SERVICE, orchestrator.target);
    // Backends are read (GetModelInfo) in the background after start-up.
    for (let i = 0; i < 100 && !orchestrator.logs.includes('"backend ready","backend":"diffusion"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    client?.close();
    await Promise.all([ar, diffusion, orchestrator].filter(Boolean).map((server) => server.stop('SIGKILL')));
  });

  it('returns both candidates with the complete score matrix, selected as the pure strategy selects', async () => {
    const syntax = await loadPythonSyntax();
    for (const [strategy, name] of [
      [SelectionStrategy.SELECTION_STRATEGY_SEED, 'seed'],
      [SelectionStrategy.SELECTION_STRATEGY_FIM, 'fim'],
      [SelectionStrategy.SELECTION_STRATEGY_CROSS, 'cross'],
      [SelectionStrategy.SELECTION_STRATEGY_STRUCTURAL, 'structural'],
    ] as const) {
      const response = await unaryCall<InfillResponse>(client, 'Infill', { ...request, strategy });
      expect(response.missingBackends).toEqual([]);
      expect(response.candidates.map((c) => c.backend).sort()).toEqual(['ar', 'diffusion']);
      for (const candidate of response.candidates) {
        // ar scores in fim and prefix_only, diffusion in masked_one_shot: a full row for every candidate.
        expect(
          candidate.scores.map((cell) => `${cell.scorer}/${SCORE_MODE_NAMES[cell.mode]}`).sort(),
        ).toEqual(['ar/fim', 'ar/prefix_only', 'diffusion/masked_one_shot']);
        for (const cell of candidate.scores) expect(cell.score?.tokenCount).toBeGreaterThanOrEqual(0);
      }
      const expected = applyStrategy(
        name as StrategyName,
        response.candidates.map((c) => ({
          backend: c.backend,
          kind: c.backend === 'ar' ? 'autoregressive' : 'diffusion',
          text: c.completion?.text ?? '',
          sampleIndex: c.completion?.sampleIndex ?? 0,
        })),
        matrixOf(response),
        { ...input, shape: 'any' },
        { syntax },
      );
      expect(response.selection?.candidateIndex).toBe(expected.index);
      expect(response.selection?.reason).toBe(expected.reason);
      expect(response.completion).toBe(response.candidates[expected.index].completion?.text);
    }
  });

  it('takes about as long as the slower backend, not the sum (logged, not asserted)', async () => {
    const timeGenerate = async (target: string) => {
      const model = createClient(MODEL_SERVICE, target);
      const startedAt = performance.now();
      await unaryCall(model, 'Generate', request);
      model.close();
      return performance.now() - startedAt;
    };
    const arMs = await timeGenerate(ar.target);
    const diffusionMs = await timeGenerate(diffusion.target);
    const startedAt = performance.now();
    const response = await unaryCall<InfillResponse>(client, 'Infill', request);
    const infillMs = performance.now() - startedAt;
    console.log(
      `Generate alone: ar ${arMs.toFixed(0)} ms, diffusion ${diffusionMs.toFixed(0)} ms; Infill ${infillMs.toFixed(0)} ms ` +
        `(generate phase ${response.timings?.generateMs.toFixed(0)} ms; ratio to the slower backend ` +
        `${((response.timings?.generateMs ?? 0) / Math.max(arMs, diffusionMs)).toFixed(2)}, to the sum ` +
        `${((response.timings?.generateMs ?? 0) / (arMs + diffusionMs)).toFixed(2)})`,
    );
    expect(response.candidates).toHaveLength(2);
  });

  it('streams an Evaluate slice: started, one event per task, finished', async () => {
    const events = await collectStream<EvaluateResponse>(client, 'Evaluate', {
      dataset: 'humaneval-single-line',
      limit: 2,
      sampling: { temperature: 0, maxNewTokens: 8 },
      diffusion: { steps: 4 },
      oracleLength: true,
    });
    expect(events[0].started?.totalTasks).toBe(2);
    const tasks = events.filter((event) => event.task).map((event) => event.task);
    expect(tasks.map((task) => task?.taskId).sort()).toEqual([
      'SingleLineInfilling/HumanEval/0/L0',
      'SingleLineInfilling/HumanEval/0/L1',
    ]);
    for (const task of tasks) {
      expect(task?.status).toBe(TaskStatus.TASK_STATUS_OK);
      expect(task?.candidates).toHaveLength(2);
      expect(task?.selections.map((s) => s.strategy)).toEqual(
        expect.arrayContaining([
          SelectionStrategy.SELECTION_STRATEGY_SEED,
          SelectionStrategy.SELECTION_STRATEGY_STRUCTURAL,
        ]),
      );
      // Oracle length: the diffusion middle has exactly as many tokens as the canonical middle.
      const diffusionCandidate = task?.candidates.find((c) => c.backend === 'diffusion');
      expect(diffusionCandidate?.completion?.lengthPolicy).toBe(2);
    }
    expect(events[events.length - 1].finished).toMatchObject({ done: 2, failed: 0 });
  });

  it('rejects an unknown dataset, naming the field', async () => {
    const failure = await collectStream(client, 'Evaluate', { dataset: 'humaneval' }).then(
      () => undefined,
      grpcError,
    );
    expect(failure?.code).toBe(status.INVALID_ARGUMENT);
    expect(failure?.details).toMatch(/^dataset must be one of humaneval-single-line,/);
  });

  it('works through buf curl with reflection', async () => {
    const result = await bufCurl(orchestrator.target, [
      '/ensemble.v1.Ensemble/Infill',
      '-d',
      JSON.stringify({ input: { prefix: 'def add(a, b):\n', suffix: '\n' } }),
    ]);
    expect(result.stderr).toBe('');
    const response = JSON.parse(result.stdout);
    expect(response.candidates).toHaveLength(2);
    expect(typeof response.selection.reason).toBe('string');
  });

  it('streams every Evaluate task when a backend dies mid-run, marking the missing backend', async () => {
    let killed = false;
    const events = await collectStream<EvaluateResponse>(
      client,
      'Evaluate',
      {
        dataset: 'humaneval-single-line',
        limit: 6,
        concurrency: 1,
        sampling: { temperature: 0, maxNewTokens: 8 },
        diffusion: { steps: 4, lengthPolicy: 1, middleLength: 6 },
      },
      {
        // Kill the diffusion backend as soon as the first task is in.
        onMessage: (event) => {
          if (event.task && !killed) {
            killed = true;
            void diffusion.stop('SIGKILL');
          }
        },
      },
    );
    const tasks = events.filter((event) => event.task).map((event) => event.task);
    expect(tasks).toHaveLength(6);
    expect(new Set(tasks.map((task) => task?.taskId)).size).toBe(6);
    // After the kill, tasks still complete from the autoregressive backend, with the diffusion backend marked missing.
    const afterKill = tasks.slice(2);
    for (const task of afterKill) {
      expect(task?.status).toBe(TaskStatus.TASK_STATUS_OK);
      expect(task?.missingBackends.map((m) => m.backend)).toContain('diffusion');
    }
    expect(events[events.length - 1].finished).toMatchObject({ done: 6 });
  });

  it('keeps answering from the other backend when one dies, and marks the missing one', async () => {
    await diffusion.stop('SIGKILL');
    const response = await unaryCall<InfillResponse>(client, 'Infill', request);
    expect(response.candidates.map((c) => c.backend)).toEqual(['ar']);
    expect(response.missingBackends.map((m) => m.backend)).toContain('diffusion');
    expect(response.missingBackends.find((m) => m.backend === 'diffusion')?.code).toBe('UNAVAILABLE');
    // With no backend left: UNAVAILABLE.
    await ar.stop('SIGKILL');
    const failure = await unaryCall(client, 'Infill', request).then(() => undefined, grpcError);
    expect(failure?.code).toBe(status.UNAVAILABLE);
  });
});
