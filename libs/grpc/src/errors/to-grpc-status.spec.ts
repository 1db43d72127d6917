import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { InvalidArgumentError, ResourceExhaustedError, UnavailableError } from './grpc-errors';
import { toGrpcStatus } from './to-grpc-status';

describe('toGrpcStatus', () => {
  it('keeps the code and message of our own errors', () => {
    expect(toGrpcStatus(new InvalidArgumentError('sampling.n', 'must be positive'))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'sampling.n must be positive',
      internal: false,
    });
    expect(toGrpcStatus(new ResourceExhaustedError('queue full')).code).toBe(status.RESOURCE_EXHAUSTED);
    expect(toGrpcStatus(new UnavailableError('loading')).code).toBe(status.UNAVAILABLE);
  });

  it('accepts Nest RpcExceptions that carry a gRPC code', () => {
    expect(toGrpcStatus(new RpcException({ code: status.NOT_FOUND, message: 'no such task' }))).toEqual({
      code: status.NOT_FOUND,
      message: 'no such task',
      internal: false,
    });
  });

  it('hides the text of unexpected errors behind INTERNAL', () => {
    const mapped = toGrpcStatus(new TypeError('cannot read properties of undefined (reading /secret/path)'));
    expect(mapped).toEqual({ code: status.INTERNAL, message: 'internal error', internal: true });
  });
});
