import { z } from 'zod';
import { boolean, integer, oneOf, optionalBoolean, optionalPort, pemFile, port, text } from './fields';
import { checkKeyPair, ServerTlsFiles } from './tls-config';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerDefaults {
  grpcPort: number;
  metricsPort: number;
  /** Calls one client may have in flight; 0 = no per-client limit. */
  maxConcurrentPerClient?: number;
}

/** Settings every gRPC server of the project shares. Ports (and the per-client limit) default per app. */
export function serverConfigSchema(defaults: ServerDefaults) {
  return z
    .object({
      GRPC_HOST: text('0.0.0.0'),
      GRPC_PORT: port(defaults.grpcPort),
      METRICS_PORT: optionalPort(defaults.metricsPort),
      LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
      GRPC_MAX_MESSAGE_BYTES: integer(4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      GRPC_REFLECTION: optionalBoolean(),
      /** Same switch as GRPC_REFLECTION under the name the manifests use; both set must agree. */
      REFLECTION_ENABLED: optionalBoolean(),
      SHUTDOWN_GRACE_MS: integer(10_000, 0, 600_000),
      /**
       * Connections older than this are closed gracefully (GOAWAY, in-flight calls finish), so clients re-resolve
       * dns:/// targets and reach replicas that came up since; 0 = never.
       */
      GRPC_MAX_CONNECTION_AGE_MS: integer(300_000, 0, 86_400_000),
      TLS_CERT_FILE: pemFile('certificate'),
      TLS_KEY_FILE: pemFile('private key'),
      TLS_CLIENT_CA_FILE: pemFile('certificate'),
      ALLOW_PLAINTEXT: boolean(false),
      /** A second, plaintext listener serving only grpc.health.v1 (Kubernetes' gRPC probes cannot speak TLS). */
      HEALTH_PORT: optionalPort(0),
      /** Calls in flight on the whole server (health and reflection not counted); 0 = no limit. */
      MAX_CONCURRENT_REQUESTS: integer(256, 0, 1_000_000),
      MAX_CONCURRENT_PER_CLIENT: integer(defaults.maxConcurrentPerClient ?? 0, 0, 1_000_000),
    })
    .superRefine((env, ctx) => {
      checkKeyPair(
        ctx,
        { name: 'TLS_CERT_FILE', path: env.TLS_CERT_FILE },
        { name: 'TLS_KEY_FILE', path: env.TLS_KEY_FILE },
      );
      if (env.TLS_CLIENT_CA_FILE !== undefined && env.TLS_CERT_FILE === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['TLS_CLIENT_CA_FILE'],
          message: 'needs TLS_CERT_FILE and TLS_KEY_FILE (mutual TLS is TLS plus client certificates)',
        });
      }
      // Plaintext is a decision, never a default: a forgotten certificate must not silently expose the server.
      if (env.TLS_CERT_FILE === undefined && env.TLS_KEY_FILE === undefined && !env.ALLOW_PLAINTEXT) {
        ctx.addIssue({
          code: 'custom',
          path: ['TLS_CERT_FILE'],
          message: 'is required (with TLS_KEY_FILE) unless ALLOW_PLAINTEXT=true',
        });
      }
      if (env.HEALTH_PORT !== 0 && [env.GRPC_PORT, env.METRICS_PORT].includes(env.HEALTH_PORT)) {
        ctx.addIssue({
          code: 'custom',
          path: ['HEALTH_PORT'],
          message: 'must differ from GRPC_PORT and METRICS_PORT',
        });
      }
      if (
        env.GRPC_REFLECTION !== undefined &&
        env.REFLECTION_ENABLED !== undefined &&
        env.GRPC_REFLECTION !== env.REFLECTION_ENABLED
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['REFLECTION_ENABLED'],
          message: 'contradicts GRPC_REFLECTION; set only one of them',
        });
      }
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
  /** 0: connections live as long as the client keeps them. */
  maxConnectionAgeMs: number;
  /** Undefined: plaintext, which the configuration only allows with ALLOW_PLAINTEXT=true. */
  tls: ServerTlsFiles | undefined;
  /** Plaintext grpc.health.v1-only listener; 0: none. */
  healthPort: number;
  /** 0: unlimited. */
  maxConcurrentRequests: number;
  /** 0: unlimited. */
  maxConcurrentPerClient: number;
}

export function toServerConfig(env: ServerEnv): ServerConfig {
  return {
    host: env.GRPC_HOST,
    grpcPort: env.GRPC_PORT,
    metricsPort: env.METRICS_PORT,
    logLevel: env.LOG_LEVEL,
    maxMessageBytes: env.GRPC_MAX_MESSAGE_BYTES,
    reflection: env.REFLECTION_ENABLED ?? env.GRPC_REFLECTION ?? true,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    maxConnectionAgeMs: env.GRPC_MAX_CONNECTION_AGE_MS,
    tls:
      env.TLS_CERT_FILE !== undefined && env.TLS_KEY_FILE !== undefined
        ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, clientCaFile: env.TLS_CLIENT_CA_FILE }
        : undefined,
    healthPort: env.HEALTH_PORT,
    maxConcurrentRequests: env.MAX_CONCURRENT_REQUESTS,
    maxConcurrentPerClient: env.MAX_CONCURRENT_PER_CLIENT,
  };
}
