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
import { RequestContext } from '@ensemble/grpc';
import { validateGenerateRequest, validateInputTokens, validateScoreRequest } from '@ensemble/validation';
import type { InferenceEngine } from './engine';
import { requestTimings, toCompletion, toScoreResponse, toStreamResponse } from './responses';
import { buildModelInfo } from './model-info';
import type { ModelServerConfig } from './model-server.config';
import type { ModelServerProfile } from './model-server.profile';
import { ModelRuntime } from './model-runtime.service';
import { MODEL_SERVER_CONFIG, MODEL_SERVER_PROFILE } from './tokens';

/**
 * ModelService behaviour shared by both model servers: readiness, request validation into parameter objects,
 * then the engine of the server's kind.
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
    const startedAt = performance.now();
    const { engine, params, model } = this.prepare(() =>
      validateGenerateRequest(request, this.profile.defaults, this.config.limits),
    );
    const completions = await engine.generate(params, context);
    return {
      model,
      completions: completions.map(toCompletion),
      timings: requestTimings(completions, performance.now() - startedAt),
    };
  }

  generateStream(
    request: GenerateStreamRequest,
    context: RequestContext,
  ): Observable<GenerateStreamResponse> {
    return new Observable((subscriber) => {
      const { engine, params } = this.prepare(() =>
        validateGenerateRequest(request, this.profile.defaults, this.config.limits),
      );
      engine
        .generate(params, context, (event) => subscriber.next(toStreamResponse(event)))
        .then(
          () => subscriber.complete(),
          (error: unknown) => subscriber.error(error),
        );
    });
  }

  async score(request: ScoreRequest, context: RequestContext): Promise<ScoreResponse> {
    const startedAt = performance.now();
    const { engine, params, model } = this.prepare(() =>
      validateScoreRequest(request, this.profile.scoreModes, this.config.limits),
    );
    const result = await engine.score(params, context);
    return toScoreResponse(model, result, performance.now() - startedAt);
  }

  /**
   * Ready model (else UNAVAILABLE) and a valid request (else INVALID_ARGUMENT naming the field), the input within
   * MAX_INPUT_TOKENS.
   */
  private prepare<P extends { prefix: string; suffix: string }>(
    validate: () => P,
  ): { engine: InferenceEngine; params: P; model: string } {
    const loaded = this.runtime.ready();
    const params = validate();
    validateInputTokens(params, (text) => loaded.tokenizer.encode(text).length, this.config.limits);
    return { engine: loaded.engine, params, model: loaded.directory.manifest.name };
  }
}
