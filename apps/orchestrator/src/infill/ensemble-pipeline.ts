import { Inject, Injectable } from '@nestjs/common';
import { BackendFailure, Candidate, DiffusionParams, InfillInput, SamplingParams } from '@ensemble/proto';
import { UnavailableError } from '@ensemble/grpc';
import { BackendRegistry } from '../backends/backend-registry.service';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from '../orchestrator.config';
import { generateAll, scoreAll } from './phases';

export interface PipelineRequest {
  input: InfillInput;
  sampling?: SamplingParams;
  diffusion?: DiffusionParams;
  /** Backend names; empty: all. */
  backends: string[];
}

export interface PipelineCall {
  /** Epoch ms; undefined: the configured per-phase timeouts. */
  deadline: number | undefined;
  signal: AbortSignal;
  requestId?: string;
}

export interface PipelineResult {
  candidates: Candidate[];
  missing: BackendFailure[];
  generateMs: number;
  scoreMs: number;
}

// Time kept back from the client's deadline to select, assemble and send the answer.
const RESPONSE_MARGIN_MS = 50;

/**
 * Generation on every backend at once, then every distinct candidate scored by every backend. The deadline is
 * split between the phases; cancellation reaches the backends; a backend that is down, fails or is too slow is
 * reported in `missing` while the others still contribute. Shared by Infill and Evaluate.
 */
@Injectable()
export class EnsemblePipeline {
  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly registry: BackendRegistry,
  ) {}

  async run(request: PipelineRequest, call: PipelineCall): Promise<PipelineResult> {
    const startedAt = performance.now();
    const requested = this.registry.byNames(request.backends);
    const live = requested.filter((backend) => backend.serving !== false);
    const missing: BackendFailure[] = requested
      .filter((backend) => backend.serving === false)
      .map((backend) => ({
        backend: backend.name,
        phase: 'generate',
        code: 'UNAVAILABLE',
        message: backend.lastError ?? 'not serving',
      }));
    if (live.length === 0) throw new UnavailableError(`no backend is serving: ${describe(missing)}`);

    const now = Date.now();
    const remaining = call.deadline === undefined ? undefined : call.deadline - now - RESPONSE_MARGIN_MS;
    const options = (deadline: number) => ({ deadline, signal: call.signal, requestId: call.requestId });
    const generation = await generateAll(
      live,
      { input: request.input, sampling: request.sampling, diffusion: request.diffusion },
      options(
        remaining === undefined
          ? now + this.config.generateTimeoutMs
          : now + remaining * this.config.generateDeadlineShare,
      ),
      this.config.diffusionLength === 'ar-hint',
    );
    missing.push(...generation.failures);
    call.signal.throwIfAborted();
    if (generation.candidates.length === 0)
      throw new UnavailableError(`no backend produced a candidate: ${describe(missing)}`);
    const generatedAt = performance.now();

    const scorers = live.filter((backend) => backend.info);
    missing.push(
      ...(await scoreAll(
        scorers,
        request.input,
        generation.candidates,
        options(remaining === undefined ? Date.now() + this.config.scoreTimeoutMs : now + remaining),
      )),
    );
    call.signal.throwIfAborted();
    return {
      candidates: generation.candidates,
      missing,
      generateMs: generatedAt - startedAt,
      scoreMs: performance.now() - generatedAt,
    };
  }
}

function describe(failures: BackendFailure[]): string {
  return (
    failures.map((failure) => `${failure.backend}: ${failure.code} ${failure.message}`).join('; ') ||
    'none configured'
  );
}
