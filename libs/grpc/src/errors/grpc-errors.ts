import { status } from '@grpc/grpc-js';

/** An error that already knows its gRPC status. Services throw these; the exception filter sends them as-is. */
export class GrpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Bad input. The message always starts with the offending field's path, as a client would write it
 * (`sampling.temperature must be >= 0, got -1`), so a caller can fix the request without reading server logs.
 */
export class InvalidArgumentError extends GrpcError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(status.INVALID_ARGUMENT, `${field} ${problem}`);
  }
}

/** A queue or limit is full; the client may retry later. */
export class ResourceExhaustedError extends GrpcError {
  constructor(message: string) {
    super(status.RESOURCE_EXHAUSTED, message);
  }
}

/** No valid credentials. The message says what is missing, never what was sent. */
export class UnauthenticatedError extends GrpcError {
  constructor(message: string) {
    super(status.UNAUTHENTICATED, message);
  }
}

/** Not ready (model still loading, shutting down) or a dependency is down; the client may retry elsewhere. */
export class UnavailableError extends GrpcError {
  constructor(message: string) {
    super(status.UNAVAILABLE, message);
  }
}

export class DeadlineExceededError extends GrpcError {
  constructor(message = 'deadline exceeded') {
    super(status.DEADLINE_EXCEEDED, message);
  }
}

export class CancelledError extends GrpcError {
  constructor(message = 'cancelled by the client') {
    super(status.CANCELLED, message);
  }
}

export class FailedPreconditionError extends GrpcError {
  constructor(message: string) {
    super(status.FAILED_PRECONDITION, message);
  }
}
