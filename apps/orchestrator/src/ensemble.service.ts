import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { EvaluateRequest, EvaluateResponse, InfillRequest, InfillResponse } from '@ensemble/proto';
import { RequestContext } from '@ensemble/grpc';
import { BackendRegistry } from './backends/backend-registry.service';
import { validateInfillRequest } from './ensemble-params';
import { EvaluateService } from './evaluate/evaluate.service';
import { CandidateSelector } from './infill/candidate-selector';
import { EnsemblePipeline } from './infill/ensemble-pipeline';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from './orchestrator.config';

/** Ensemble behaviour: Infill (pipeline + one strategy) and Evaluate (a benchmark through the pipeline). */
@Injectable()
export class EnsembleService {
  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly pipeline: EnsemblePipeline,
    private readonly selector: CandidateSelector,
    private readonly registry: BackendRegistry,
    private readonly evaluator: EvaluateService,
  ) {}

  async infill(request: InfillRequest, context: RequestContext): Promise<InfillResponse> {
    const startedAt = performance.now();
    const params = validateInfillRequest(request, this.config.backends, this.config.limits);
    const input = { prefix: params.prefix, suffix: params.suffix };
    const result = await this.pipeline.run(
      {
        input,
        sampling: request.sampling ?? undefined,
        diffusion: request.diffusion ?? undefined,
        backends: params.backends.map((backend) => backend.name),
      },
      { deadline: context.deadline, signal: context.signal, requestId: context.requestId },
    );
    const selectStartedAt = performance.now();
    const selection = this.selector.select(
      params.strategy ?? this.config.defaultStrategy,
      result.candidates,
      this.registry,
      {
        input,
        shape: 'any',
        parseFilter: request.parseFilter ?? false,
      },
    );
    const chosen = result.candidates[selection.candidateIndex];
    const finishedAt = performance.now();
    return {
      completion: chosen.completion?.text ?? '',
      backend: chosen.backend,
      model: chosen.model,
      candidates: result.candidates,
      selection,
      missingBackends: result.missing,
      timings: {
        generateMs: result.generateMs,
        scoreMs: result.scoreMs,
        selectMs: finishedAt - selectStartedAt,
        totalMs: finishedAt - startedAt,
      },
    };
  }

  evaluate(request: EvaluateRequest, context: RequestContext): Observable<EvaluateResponse> {
    return this.evaluator.evaluate(request, context);
  }
}
