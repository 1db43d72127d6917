import * as grpc from '@grpc/grpc-js';
import type { EvaluateRequest, EvaluateResponse } from '@ensemble/proto';

export interface StreamHandlers {
  onEvent: (event: EvaluateResponse) => void;
  metadata?: grpc.Metadata;
  /** Aborting cancels the call; the promise then rejects with CANCELLED. */
  signal?: AbortSignal;
}

/** Ensemble.Evaluate as a promise that settles when the stream ends, handing each event over as it arrives. */
export function streamEvaluate(
  client: grpc.Client,
  request: EvaluateRequest,
  handlers: StreamHandlers,
): Promise<void> {
  const method = (client as unknown as Record<string, unknown>).Evaluate as (
    request: EvaluateRequest,
    metadata: grpc.Metadata,
  ) => grpc.ClientReadableStream<EvaluateResponse>;
  return new Promise((resolve, reject) => {
    const call = method.call(client, request, handlers.metadata ?? new grpc.Metadata());
    const abort = () => call.cancel();
    handlers.signal?.addEventListener('abort', abort, { once: true });
    call.on('data', (event: EvaluateResponse) => {
      try {
        handlers.onEvent(event);
      } catch (error) {
        call.cancel();
        reject(error as Error);
      }
    });
    call.on('error', (error) => {
      handlers.signal?.removeEventListener('abort', abort);
      reject(error);
    });
    call.on('end', () => {
      handlers.signal?.removeEventListener('abort', abort);
      resolve();
    });
  });
}
