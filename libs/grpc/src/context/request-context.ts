import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { CancelledError, DeadlineExceededError, GrpcError } from '../errors/grpc-errors';

/** The part of a grpc-js server call (unary or streaming) a request context needs. */
export interface ServerCallLike {
  metadata: Metadata;
  getDeadline(): Date | number;
  getPath(): string;
  on(event: 'cancelled', listener: (reason: string) => void): unknown;
  cancelled?: boolean;
}

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const contexts = new WeakMap<object, RequestContext>();

/**
 * Per-call state handed to services: a request id for logs, the client's deadline, and an AbortSignal that fires
 * when the client cancels or the deadline passes. Nest does not propagate cancellation into unary handlers,
 * so every handler (unary too) reads it from here and passes `signal` down to the work it starts.
 */
export class RequestContext {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  private constructor(
    readonly requestId: string,
    readonly method: string,
    /** Epoch milliseconds, or undefined when the client set no deadline. */
    readonly deadline: number | undefined,
  ) {}

  /** The context of a call, created on first use and shared by the interceptor, the filter and the handler. */
  static of(call: ServerCallLike): RequestContext {
    let context = contexts.get(call);
    if (!context) {
      context = RequestContext.create(call);
      contexts.set(call, context);
    }
    return context;
  }

  /** From Nest's handler arguments `(request, metadata, call)`; undefined for non-gRPC contexts. */
  static fromArgs(args: unknown[]): RequestContext | undefined {
    const call = args[2];
    return isServerCall(call) ? RequestContext.of(call) : undefined;
  }

  /** A context not bound to a call (tests, internal work) with an optional deadline. */
  static detached(method: string, timeoutMs?: number): RequestContext {
    const context = new RequestContext(
      randomUUID(),
      method,
      timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
    );
    context.armDeadline();
    return context;
  }

  private static create(call: ServerCallLike): RequestContext {
    const supplied = call.metadata.get(REQUEST_ID_HEADER)[0];
    const requestId =
      typeof supplied === 'string' && REQUEST_ID_PATTERN.test(supplied) ? supplied : randomUUID();
    const rawDeadline = call.getDeadline();
    const deadlineMs = rawDeadline instanceof Date ? rawDeadline.getTime() : rawDeadline;
    const context = new RequestContext(
      requestId,
      call.getPath(),
      Number.isFinite(deadlineMs) ? deadlineMs : undefined,
    );
    call.on('cancelled', () =>
      context.abort(context.expired() ? new DeadlineExceededError() : new CancelledError()),
    );
    if (call.cancelled) context.abort(new CancelledError());
    context.armDeadline();
    return context;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Milliseconds left before the deadline; Infinity without one. */
  remainingMs(now = Date.now()): number {
    return this.deadline === undefined ? Infinity : Math.max(0, this.deadline - now);
  }

  expired(now = Date.now()): boolean {
    return this.deadline !== undefined && now >= this.deadline;
  }

  /** Throws DEADLINE_EXCEEDED or CANCELLED when the call should stop. Call it between units of work. */
  throwIfAborted(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason as GrpcError;
    if (this.expired()) {
      this.abort(new DeadlineExceededError());
      throw this.controller.signal.reason as GrpcError;
    }
  }

  /**
   * The call has ended (completed, failed, or the client went away from a stream): anything still working for it
   * must stop, so the signal aborts now if it has not yet; later cancellation events change nothing.
   */
  dispose(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new CancelledError('the call has ended'));
    this.ended = true;
    this.clearTimer();
  }

  private abort(reason: GrpcError): void {
    if (!this.ended && !this.controller.signal.aborted) this.controller.abort(reason);
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private armDeadline(): void {
    const remaining = this.remainingMs();
    if (remaining === Infinity) return;
    // setTimeout overflows above 2^31-1 ms; such deadlines are effectively none.
    if (remaining > 2 ** 31 - 1) return;
    this.timer = setTimeout(() => this.abort(new DeadlineExceededError()), remaining);
    this.timer.unref();
  }
}

function isServerCall(value: unknown): value is ServerCallLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ServerCallLike).getDeadline === 'function' &&
    typeof (value as ServerCallLike).getPath === 'function'
  );
}
