import { Controller } from '@nestjs/common';
import type { Metadata, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import {
  GenerateRequest,
  GenerateResponse,
  GenerateStreamRequest,
  GenerateStreamResponse,
  GetModelInfoRequest,
  GetModelInfoResponse,
  ModelServiceController,
  ModelServiceControllerMethods,
  ScoreRequest,
  ScoreResponse,
} from '@ensemble/proto';
import { RequestContext } from '@ensemble/grpc';
import { ModelService } from './model.service';

/** gRPC transport for ensemble.v1.ModelService: unpacks the call into a RequestContext and delegates. */
@Controller()
@ModelServiceControllerMethods()
export class ModelServiceGrpcController implements ModelServiceController {
  constructor(private readonly model: ModelService) {}

  getModelInfo(_request: GetModelInfoRequest): GetModelInfoResponse {
    return this.model.info();
  }

  generate(
    request: GenerateRequest,
    _metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<GenerateResponse> {
    return this.model.generate(request, RequestContext.of(call));
  }

  generateStream(
    request: GenerateStreamRequest,
    _metadata: Metadata,
    call: ServerWritableStream<unknown, unknown>,
  ): Observable<GenerateStreamResponse> {
    return this.model.generateStream(request, RequestContext.of(call));
  }

  score(
    request: ScoreRequest,
    _metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<ScoreResponse> {
    return this.model.score(request, RequestContext.of(call));
  }
}
