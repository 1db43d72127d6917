import { z } from 'zod';
import { boolean, integer, oneOf, optionalPort, port, text } from './fields';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings every gRPC server of the project shares. Ports default per app. */
export function serverConfigSchema(defaults: { grpcPort: number; metricsPort: number }) {
  return z.object({
    GRPC_HOST: text('0.0.0.0'),
    GRPC_PORT: port(defaults.grpcPort),
    METRICS_PORT: optionalPort(defaults.metricsPort),
    LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
    GRPC_MAX_MESSAGE_BYTES: integer(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    GRPC_REFLECTION: boolean(true),
    SHUTDOWN_GRACE_MS: integer(10_000, 0, 600_000),
  });
}

export type ServerEnv = z.infer<ReturnType<typeof serverConfigSchema>>;

/** The typed form the server kit consumes. */
export interface ServerConfig {
  host: string;
  grpcPort: number;
  /** 0: no metrics listener. */
  metricsPort: number;
  logLevel: LogLevel;
  maxMessageBytes: number;
  reflection: boolean;
  shutdownGraceMs: number;
}

export function toServerConfig(env: ServerEnv): ServerConfig {
  return {
    host: env.GRPC_HOST,
    grpcPort: env.GRPC_PORT,
    metricsPort: env.METRICS_PORT,
    logLevel: env.LOG_LEVEL,
    maxMessageBytes: env.GRPC_MAX_MESSAGE_BYTES,
    reflection: env.GRPC_REFLECTION,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  };
}
