import { z } from 'zod';
import {
  boolean,
  integer,
  oneOf,
  optionalText,
  serverConfigSchema,
  ServerConfig,
  toServerConfig,
} from '@ensemble/config';
import { ExecutionProviderName, SessionOptions } from '@ensemble/inference';
import { inputTokensEnv, RequestLimits, requestLimitsEnv, toRequestLimits } from '@ensemble/validation';

export function modelServerEnvSchema(defaults: { grpcPort: number; metricsPort: number }) {
  return serverConfigSchema(defaults).extend({
    /** Unset: the bundled tiny model of the server's kind. */
    MODEL_DIR: optionalText(),
    ORT_EXECUTION_PROVIDER: oneOf(['cpu', 'cuda'] as const, 'cpu'),
    ORT_INTRA_OP_THREADS: integer(0, 0, 1024),
    ORT_INTER_OP_THREADS: integer(0, 0, 1024),
    /** false: less memory, slower CPU decoding (docs/perf.md). */
    ORT_PREPACK_WEIGHTS: boolean(true),
    MAX_BATCH_SIZE: integer(8, 1, 1024),
    MAX_QUEUE_SIZE: integer(64, 0, 100_000),
    ...requestLimitsEnv,
    ...inputTokensEnv,
  });
}

/** Everything a model server is configured with, validated once at start-up. */
export interface ModelServerConfig {
  server: ServerConfig;
  /** Undefined: the bundled tiny model. */
  modelDir: string | undefined;
  session: SessionOptions;
  limits: RequestLimits;
  maxBatchSize: number;
  maxQueueSize: number;
}

export function toModelServerConfig(
  env: z.infer<ReturnType<typeof modelServerEnvSchema>>,
): ModelServerConfig {
  return {
    server: toServerConfig(env),
    modelDir: env.MODEL_DIR,
    session: {
      provider: env.ORT_EXECUTION_PROVIDER as ExecutionProviderName,
      intraOpThreads: env.ORT_INTRA_OP_THREADS,
      interOpThreads: env.ORT_INTER_OP_THREADS,
      prepackWeights: env.ORT_PREPACK_WEIGHTS,
    },
    limits: toRequestLimits(env),
    maxBatchSize: env.MAX_BATCH_SIZE,
    maxQueueSize: env.MAX_QUEUE_SIZE,
  };
}
