import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Metadata, status } from '@grpc/grpc-js';
import { finalize, Observable, tap, throwError } from 'rxjs';
import { REQUEST_ID_HEADER, RequestContext } from '../context/request-context';
import { DeadlineExceededError } from '../errors/grpc-errors';
import { statusName, toGrpcStatus } from '../errors/to-grpc-status';
import { JsonLogger } from '../logging/json-logger';
import { GrpcMetrics, methodLabels } from '../metrics/grpc-metrics';
import { assertDecodable } from './undecodable-request';

/**
 * Wraps every RPC: request id (taken from `x-request-id` metadata or generated, echoed back), a deadline check
 * and a decodable body (else INVALID_ARGUMENT) before the handler runs, abort on cancellation or deadline while
 * it runs, one structured log line and the gRPC metrics when it ends.
 */
@Injectable()
export class ObservabilityInterceptor implements NestInterceptor {
  constructor(
    private readonly metrics: GrpcMetrics,
    private readonly logger: JsonLogger,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const context = execution.getType() === 'rpc' ? RequestContext.fromArgs(execution.getArgs()) : undefined;
    if (!context) return next.handle();

    const labels = methodLabels(context.method);
    const startedAt = performance.now();
    this.metrics.started.inc(labels);
    this.metrics.inFlight.inc(labels);
    echoRequestId(execution.getArgByIndex(2), context.requestId);
    // Requests hold users' code: they are logged only when debugging, never at the default level.
    if (this.logger.isEnabled('debug')) {
      this.logger.debug(
        {
          msg: 'rpc request',
          requestId: context.requestId,
          method: context.method,
          request: execution.getArgByIndex(0),
        },
        'rpc',
      );
    }

    let failure: unknown;
    const finish = () => {
      const seconds = (performance.now() - startedAt) / 1000;
      const reason = failure ?? (context.signal.aborted ? context.signal.reason : undefined);
      const code = reason === undefined ? status.OK : toGrpcStatus(reason).code;
      this.metrics.inFlight.dec(labels);
      this.metrics.handled.inc({ ...labels, grpc_code: statusName(code) });
      this.metrics.handlingSeconds.observe(labels, seconds);
      this.logger.log(
        {
          msg: 'rpc finished',
          requestId: context.requestId,
          method: context.method,
          code: statusName(code),
          durationMs: Math.round(seconds * 1e4) / 10,
        },
        'rpc',
      );
      context.dispose();
    };

    if (context.expired()) {
      failure = new DeadlineExceededError('deadline exceeded before the request was handled');
      finish();
      return throwError(() => failure);
    }
    try {
      assertDecodable(execution.getArgByIndex(0), context.method);
    } catch (error) {
      failure = error;
      finish();
      return throwError(() => failure);
    }

    return abortable(next.handle(), context.signal).pipe(
      tap({ error: (error: unknown) => (failure = error) }),
      finalize(finish),
    );
  }
}

/** Mirrors the source, but errors with the signal's reason as soon as it aborts (the handler is unsubscribed). */
function abortable<T>(source: Observable<T>, signal: AbortSignal): Observable<T> {
  return new Observable<T>((subscriber) => {
    if (signal.aborted) {
      subscriber.error(signal.reason);
      return;
    }
    const onAbort = () => subscriber.error(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const subscription = source.subscribe(subscriber);
    return () => {
      signal.removeEventListener('abort', onAbort);
      subscription.unsubscribe();
    };
  });
}

function echoRequestId(call: unknown, requestId: string): void {
  const sendMetadata = (call as { sendMetadata?: (metadata: Metadata) => void } | undefined)?.sendMetadata;
  if (typeof sendMetadata !== 'function') return;
  const metadata = new Metadata();
  metadata.set(REQUEST_ID_HEADER, requestId);
  try {
    sendMetadata.call(call, metadata);
  } catch {
    // Headers already sent (e.g. the call ended); the id is still in the log.
  }
}
