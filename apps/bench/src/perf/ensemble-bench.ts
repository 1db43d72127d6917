import { appendFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { createClient, freePort, unaryCall } from '@ensemble/grpc';
import {
  ENSEMBLE_SERVICE,
  GenerateResponse,
  InfillResponse,
  MODEL_SERVICE,
  ScoreMode,
  SelectionStrategy,
} from '@ensemble/proto';
import { LocalStack } from '../local-stack';
import { timed } from './stats';
import { arGenerateRequest, diffusionGenerateRequest, scoreRequest } from './server-bench';
import type { PerfWorkload } from './workload';

export interface EnsembleResult {
  /** Client wall clock of Ensemble.Infill. */
  infillMs: number[];
  /** The orchestrator's own phase timings of those calls. */
  generatePhaseMs: number[];
  scorePhaseMs: number[];
  /** Each backend alone on the same stack: its Generate, then its Score calls on the Infill's candidates. */
  arOwnMs: number[];
  diffusionOwnMs: number[];
  stackStartMs: number;
  /** Infill calls repeated because the orchestrator had marked a busy backend down (missing_backends). */
  lostBackends: string[];
}

const TIMEOUT_MS = 30 * 60_000;

/**
 * The whole stack (LocalStack: both model servers + orchestrator). Per repetition: one Infill, then the same work
 * asked of each backend directly, one backend at a time — Generate with the same parameters, then the Score calls
 * the orchestrator makes to that backend (ar: fim + prefix_only; diffusion: masked_one_shot) on the same candidates.
 */
export async function benchEnsemble(
  models: { ar: string; diffusion: string },
  workload: PerfWorkload,
  logFile: string,
  log: (line: string) => void,
): Promise<EnsembleResult> {
  const { ar, shape } = workload;
  const e = shape.ensemble;
  const arPort = await freePort();
  const diffusionPort = await freePort();
  const stack = new LocalStack({
    arPort,
    diffusionPort,
    orchestratorPort: await freePort(),
    arModelDir: models.ar,
    diffusionModelDir: models.diffusion,
    metrics: false,
    startTimeoutMs: 900_000,
    log: (line) => appendFileSync(logFile, line + '\n'),
  });
  const startedAt = performance.now();
  const clients: grpc.Client[] = [];
  try {
    if (!(await stack.start())) throw new Error(`the local stack stopped while starting; see ${logFile}`);
    const stackStartMs = performance.now() - startedAt;
    const orchestrator = createClient(ENSEMBLE_SERVICE, stack.orchestratorTarget);
    const arClient = createClient(MODEL_SERVICE, `127.0.0.1:${arPort}`);
    const diffusionClient = createClient(MODEL_SERVICE, `127.0.0.1:${diffusionPort}`);
    clients.push(orchestrator, arClient, diffusionClient);
    const call = <T>(client: grpc.Client, method: string, request: object) =>
      unaryCall<T>(client, method, request, { timeoutMs: TIMEOUT_MS });
    const timedCall = <T>(client: grpc.Client, method: string, request: object) =>
      timed(() => call<T>(client, method, request));

    const arGenerate = arGenerateRequest(ar.prefix, ar.suffix, e.newTokens);
    const diffusionGenerate = diffusionGenerateRequest(ar.prefix, ar.suffix, e.steps, e.middleLength);
    const infillRequest = {
      input: { prefix: ar.prefix, suffix: ar.suffix },
      sampling: arGenerate.sampling,
      diffusion: diffusionGenerate.diffusion,
      strategy: SelectionStrategy.SELECTION_STRATEGY_CROSS,
      parseFilter: false,
      backends: [],
    };
    const result: EnsembleResult = {
      infillMs: [],
      generatePhaseMs: [],
      scorePhaseMs: [],
      arOwnMs: [],
      diffusionOwnMs: [],
      stackStartMs,
      lostBackends: [],
    };
    // Until both backends answer: the orchestrator can be SERVING before it has seen the model servers serve (it
    // checks their health periodically, and they load in parallel), and it marks a backend down after three health
    // checks in a row time out — which a 0.5B model server busy with back-to-back forwards can cause (docs/perf.md).
    const cheap = {
      ...infillRequest,
      sampling: arGenerateRequest(ar.prefix, ar.suffix, 2).sampling,
      diffusion: diffusionGenerateRequest(ar.prefix, ar.suffix, 1, 2).diffusion,
    };
    const bothBackends = async (seconds: number) => {
      const until = Date.now() + seconds * 1000;
      for (;;) {
        const warm = await call<InfillResponse>(orchestrator, 'Infill', cheap).catch((error: Error) => error);
        if (!(warm instanceof Error) && warm.missingBackends.length === 0) return;
        if (Date.now() > until) {
          const detail = warm instanceof Error ? warm.message : JSON.stringify(warm.missingBackends);
          throw new Error(`the orchestrator did not reach both backends: ${detail}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    };
    await bothBackends(240);
    for (let rep = 0; rep < shape.reps.ensemble; rep++) {
      log(
        `  ensemble: Infill (ar ${e.newTokens} tokens, diffusion ${e.steps} steps x ${e.middleLength}), rep ${rep + 1}`,
      );
      let infill = await timedCall<InfillResponse>(orchestrator, 'Infill', infillRequest);
      for (let retry = 0; infill.value.missingBackends.length > 0; retry++) {
        const missing = JSON.stringify(infill.value.missingBackends);
        if (retry === 2) throw new Error(`Infill lost backends three times: ${missing}`);
        log(`  ensemble: Infill lost a backend (${missing}); waiting for it, then repeating`);
        result.lostBackends.push(missing);
        await bothBackends(120);
        infill = await timedCall<InfillResponse>(orchestrator, 'Infill', infillRequest);
      }
      result.infillMs.push(infill.ms);
      result.generatePhaseMs.push(infill.value.timings?.generateMs ?? NaN);
      result.scorePhaseMs.push(infill.value.timings?.scoreMs ?? NaN);
      const texts = [...new Set(infill.value.candidates.map((c) => c.completion?.text ?? ''))];

      log(`  ensemble: the same work on each backend alone, rep ${rep + 1}`);
      const own = async (client: grpc.Client, generate: object, modes: ScoreMode[]): Promise<number> => {
        const t0 = performance.now();
        await call<GenerateResponse>(client, 'Generate', generate);
        for (const mode of modes)
          await call(client, 'Score', scoreRequest(ar.prefix, ar.suffix, texts, mode));
        return performance.now() - t0;
      };
      result.arOwnMs.push(
        await own(arClient, arGenerate, [ScoreMode.SCORE_MODE_FIM, ScoreMode.SCORE_MODE_PREFIX_ONLY]),
      );
      result.diffusionOwnMs.push(
        await own(diffusionClient, diffusionGenerate, [ScoreMode.SCORE_MODE_MASKED_ONE_SHOT]),
      );
    }
    return result;
  } finally {
    clients.forEach((client) => client.close());
    await stack.stop();
  }
}
