import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { finalize, Observable, throwError } from 'rxjs';
import { BearerTokenAuthenticator } from '../security/bearer-tokens';
import { ConcurrencyLimiter, peerHost } from '../security/concurrency-limiter';

/**
 * Who may call, and how much at once: the bearer token when the server has tokens (else UNAUTHENTICATED), then
 * admission by the concurrency limiter, keyed by the token or, without authentication, by the peer's address.
 * Runs inside the observability interceptor, so refused calls are logged and counted like any other.
 * Health and reflection are plain grpc-js services and never pass here: probes need no token.
 */
@Injectable()
export class AccessInterceptor implements NestInterceptor {
  constructor(
    private readonly limiter: ConcurrencyLimiter,
    private readonly authenticator?: BearerTokenAuthenticator,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'rpc') return next.handle();
    const [, metadata, call] = execution.getArgs() as [unknown, Metadata, { getPeer?: () => string }];
    let release: () => void;
    try {
      const client = this.authenticator
        ? this.authenticator.authenticate(metadata)
        : `peer:${peerHost(call?.getPeer?.() ?? 'unknown')}`;
      release = this.limiter.acquire(client);
    } catch (error) {
      return throwError(() => error);
    }
    return next.handle().pipe(finalize(() => release()));
  }
}
