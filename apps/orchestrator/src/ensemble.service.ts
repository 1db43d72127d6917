import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { EvaluateRequest, EvaluateResponse, InfillRequest, InfillResponse } from '@ensemble/proto';
import { RequestContext, UnimplementedError } from '@ensemble/grpc';
import { validateEvaluateRequest, validateInfillRequest } from './ensemble-params';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from './orchestrator.config';

/**
 * Ensemble behaviour. Fan-out, cross-scoring, selection and Evaluate are not implemented yet (issue #6): both RPCs
 * validate their request fully and then answer UNIMPLEMENTED.
 */
@Injectable()
export class EnsembleService {
  constructor(@Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig) {}

  async infill(request: InfillRequest, context: RequestContext): Promise<InfillResponse> {
    context.throwIfAborted();
    validateInfillRequest(request, this.config.backends, this.config.limits);
    throw notYet('Infill');
  }

  evaluate(request: EvaluateRequest, context: RequestContext): Observable<EvaluateResponse> {
    return new Observable((subscriber) => {
      context.throwIfAborted();
      validateEvaluateRequest(request, this.config.limits);
      subscriber.error(notYet('Evaluate'));
    });
  }
}

function notYet(rpc: string): UnimplementedError {
  return new UnimplementedError(
    `${rpc} is not implemented by the orchestrator yet (issue #6, orchestrator); the request was valid.`,
  );
}
