import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { GrpcError } from './grpc-errors';

export interface GrpcStatus {
  code: status;
  message: string;
  /** True when the error is a bug or an unexpected failure, which deserves a stack trace in the log. */
  internal: boolean;
}

const KNOWN_CODES = new Set<number>(Object.values(status).filter((v): v is number => typeof v === 'number'));

/**
 * Maps anything a handler can throw to the status the client sees. Errors we did not anticipate become
 * INTERNAL with a generic message: their text may contain paths or internals that must not leak to clients.
 */
export function toGrpcStatus(error: unknown): GrpcStatus {
  if (error instanceof GrpcError) return { code: error.code, message: error.message, internal: false };
  if (error instanceof RpcException) {
    const payload = error.getError();
    if (typeof payload === 'object' && payload !== null && 'code' in payload) {
      const { code, message } = payload as { code: unknown; message?: unknown };
      if (typeof code === 'number' && KNOWN_CODES.has(code)) {
        return { code, message: String(message ?? ''), internal: code === status.INTERNAL };
      }
    }
    return {
      code: status.UNKNOWN,
      message: String(typeof payload === 'string' ? payload : error.message),
      internal: true,
    };
  }
  return { code: status.INTERNAL, message: 'internal error', internal: true };
}

export function statusName(code: status): string {
  return status[code] ?? `CODE_${code}`;
}
