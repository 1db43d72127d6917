import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { RequestContext } from '../context/request-context';
import { JsonLogger } from '../logging/json-logger';
import { toGrpcStatus } from './to-grpc-status';

/**
 * Turns every error leaving a handler into a proper gRPC status ({code, details}); Nest's default filter would
 * send UNKNOWN "Internal server error" for anything that is not an RpcException.
 */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const mapped = toGrpcStatus(exception);
    if (mapped.internal) {
      const context = RequestContext.fromArgs(host.getArgs());
      const message = exception instanceof Error ? exception.message : String(exception);
      // The message of an unexpected error may quote the request; the stack repeats the message first.
      const stack = exception instanceof Error ? exception.stack : undefined;
      this.logger.error(
        {
          msg: 'unhandled error in handler',
          requestId: context?.requestId,
          method: context?.method,
          error: this.logger.excerpt(message),
          stack: stack?.replace(message, this.logger.excerpt(message)),
        },
        'GrpcExceptionFilter',
      );
    }
    return throwError(() => ({ code: mapped.code, details: mapped.message, message: mapped.message }));
  }
}
