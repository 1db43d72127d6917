import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { InvalidArgumentError, ResourceExhaustedError, UnavailableError } from './grpc-errors';
import { MAX_STATUS_MESSAGE_CHARS, statusMessage, toGrpcStatus } from './to-grpc-status';

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

  it('bounds messages that quote client input and makes them safe to percent-encode', () => {
    const quoted = new InvalidArgumentError(
      'backends[0]',
      `names no configured backend: got ${'x'.repeat(50_000)}`,
    );
    const { message } = toGrpcStatus(quoted);
    expect(message.length).toBeLessThan(MAX_STATUS_MESSAGE_CHARS + 50);
    expect(message).toMatch(/more characters\)$/);
    // grpc-js sends the message through encodeURI, which throws on a lone surrogate.
    const lone = statusMessage('dataset \ud800 and \udc00 but not \ud83d\ude00');
    expect(() => encodeURI(lone)).not.toThrow();
    expect(lone).toBe('dataset \ufffd and \ufffd but not \ud83d\ude00');
  });
});
