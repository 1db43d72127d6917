import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { GrpcError } from './grpc-errors';

export interface GrpcStatus {
  code: status;
  message: string;
  /** True when the error is a bug or an unexpected failure, which deserves a stack trace in the log. */
  internal: boolean;
}

/**
 * Longest status message sent. Messages may quote client input (a bad name); the status travels in an HTTP/2
 * trailer, and a huge one would break the client's header limits instead of telling it what was wrong.
 */
export const MAX_STATUS_MESSAGE_CHARS = 1024;

const KNOWN_CODES = new Set<number>(Object.values(status).filter((v): v is number => typeof v === 'number'));

/**
 * Maps anything a handler can throw to the status the client sees. Errors we did not anticipate become
 * INTERNAL with a generic message: their text may contain paths or internals that must not leak to clients.
 */
export function toGrpcStatus(error: unknown): GrpcStatus {
  const mapped = mapError(error);
  return { ...mapped, message: statusMessage(mapped.message) };
}

/**
 * A status message as it can be sent: at most MAX_STATUS_MESSAGE_CHARS, and well-formed UTF-16 (grpc-js
 * percent-encodes it with encodeURI, which throws on a lone surrogate quoted from client input).
 */
export function statusMessage(text: string): string {
  return clip(text, MAX_STATUS_MESSAGE_CHARS).replace(LONE_SURROGATE, '\ufffd');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` cut to `max` characters, marked as cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

function mapError(error: unknown): GrpcStatus {
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
