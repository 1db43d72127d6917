import { ResponderBuilder, ServerInterceptingCall, ServerInterceptor } from '@grpc/grpc-js';
import { statusMessage } from '../errors/to-grpc-status';

/**
 * A grpc-js server interceptor (below Nest, so health and reflection pass through it too) that bounds every
 * status message and makes it well-formed before grpc-js sends it. grpc.health.v1 quotes the requested service
 * name back in NOT_FOUND: a 4 MB name would become a 4 MB HTTP/2 trailer, which the client's header limits turn
 * into a dropped connection, failing every other call on it.
 */
export const statusMessageInterceptor: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(
    call,
    new ResponderBuilder()
      .withSendStatus((sent, next) => next({ ...sent, details: statusMessage(sent.details ?? '') }))
      .build(),
  );
