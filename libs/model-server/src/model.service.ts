import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import {
  GenerateRequest,
  GenerateResponse,
  GenerateStreamRequest,
  GenerateStreamResponse,
  GetModelInfoResponse,
  ScoreRequest,
  ScoreResponse,
} from '@ensemble/proto';
import { RequestContext, UnimplementedError } from '@ensemble/grpc';
import {
  GenerationParams,
  ScoreParams,
  validateGenerateRequest,
  validateScoreRequest,
} from '@ensemble/validation';
import { buildModelInfo } from './model-info';
import type { ModelServerConfig } from './model-server.config';
import type { ModelServerProfile } from './model-server.profile';
import { ModelRuntime } from './model-runtime.service';
import { MODEL_SERVER_CONFIG, MODEL_SERVER_PROFILE } from './tokens';

/**
 * ModelService behaviour shared by both model servers: readiness, request validation into parameter objects,
 * then the engine. Engines (autoregressive decoding, diffusion denoising) are not implemented yet; until they
 * land, Generate and Score validate their input fully and then answer UNIMPLEMENTED naming the pending work.
 */
@Injectable()
export class ModelService {
  constructor(
    @Inject(MODEL_SERVER_PROFILE) private readonly profile: ModelServerProfile,
    @Inject(MODEL_SERVER_CONFIG) private readonly config: ModelServerConfig,
    private readonly runtime: ModelRuntime,
  ) {}

  info(): GetModelInfoResponse {
    return buildModelInfo(this.runtime.ready().directory, this.profile, this.config);
  }

  async generate(request: GenerateRequest, context: RequestContext): Promise<GenerateResponse> {
    this.prepareGeneration(request, context);
    throw this.notYet('Generate');
  }

  generateStream(
    request: GenerateStreamRequest,
    context: RequestContext,
  ): Observable<GenerateStreamResponse> {
    return new Observable((subscriber) => {
      this.prepareGeneration(request, context);
      subscriber.error(this.notYet('GenerateStream'));
    });
  }

  async score(request: ScoreRequest, context: RequestContext): Promise<ScoreResponse> {
    this.prepareScore(request, context);
    throw this.notYet('Score');
  }

  private prepareGeneration(request: GenerateRequest, context: RequestContext): GenerationParams {
    this.runtime.ready();
    context.throwIfAborted();
    return validateGenerateRequest(request, this.profile.defaults, this.config.limits);
  }

  private prepareScore(request: ScoreRequest, context: RequestContext): ScoreParams {
    this.runtime.ready();
    context.throwIfAborted();
    return validateScoreRequest(request, this.profile.scoreModes, this.config.limits);
  }

  private notYet(rpc: string): UnimplementedError {
    return new UnimplementedError(
      `${rpc} is not implemented by ${this.profile.appName} yet (${this.profile.pendingEngineIssue}); ` +
        'the request was valid. GetModelInfo, health and reflection work.',
    );
  }
}
