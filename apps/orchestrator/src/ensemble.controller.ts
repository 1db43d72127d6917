import { Controller } from '@nestjs/common';
import type { Metadata, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import {
  EnsembleController,
  EnsembleControllerMethods,
  EvaluateRequest,
  EvaluateResponse,
  InfillRequest,
  InfillResponse,
} from '@ensemble/proto';
import { RequestContext } from '@ensemble/grpc';
import { EnsembleService } from './ensemble.service';

/** gRPC transport for ensemble.v1.Ensemble. */
@Controller()
@EnsembleControllerMethods()
export class EnsembleGrpcController implements EnsembleController {
  constructor(private readonly ensemble: EnsembleService) {}

  infill(
    request: InfillRequest,
    _metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<InfillResponse> {
    return this.ensemble.infill(request, RequestContext.of(call));
  }

  evaluate(
    request: EvaluateRequest,
    _metadata: Metadata,
    call: ServerWritableStream<unknown, unknown>,
  ): Observable<EvaluateResponse> {
    return this.ensemble.evaluate(request, RequestContext.of(call));
  }
}
