import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  boolean,
  checkKeyPair,
  ClientTlsFiles,
  integer,
  oneOf,
  optionalText,
  pemFile,
  readableFile,
  serverConfigSchema,
  ServerConfig,
  text,
  toServerConfig,
} from '@ensemble/config';
import { parseBearerTokens } from '@ensemble/grpc';
import { RequestLimits, requestLimitsEnv, toRequestLimits } from '@ensemble/validation';
import { BackendTarget, DEFAULT_BACKENDS, parseBackends } from './backends';

export const orchestratorEnvSchema = serverConfigSchema({
  grpcPort: 50050,
  metricsPort: 9090,
  maxConcurrentPerClient: 16,
})
  .extend({
    ENSEMBLE_BACKENDS: text(DEFAULT_BACKENDS).transform((spec, ctx) => {
      try {
        return parseBackends(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    /** Without a client deadline, how long Generate and Score may take on a backend. */
    BACKEND_GENERATE_TIMEOUT_MS: integer(120_000, 100, 3_600_000),
    BACKEND_SCORE_TIMEOUT_MS: integer(60_000, 100, 3_600_000),
    HEALTH_CHECK_INTERVAL_MS: integer(2_000, 100, 600_000),
    /** Share of the client's remaining deadline given to generation; scoring gets the rest. */
    GENERATE_DEADLINE_SHARE: integer(70, 1, 99),
    /** `server`: each diffusion backend applies its own length policy; `ar-hint`: the AR candidate's length is the hint. */
    DIFFUSION_LENGTH: oneOf(['server', 'ar-hint'] as const, 'server'),
    DEFAULT_STRATEGY: oneOf(['seed', 'fim', 'cross', 'structural', 'learned'] as const, 'cross'),
    /** Weights of the `learned` strategy (written by `bench fit-selector`); unset: `learned` is unavailable. */
    SELECTOR_WEIGHTS: text(''),
    ...requestLimitsEnv,
    /**
     * TLS to the backends unless BACKEND_ALLOW_PLAINTEXT=true and no BACKEND_TLS_* is set; BACKEND_TLS_CA_FILE
     * unset: Node's default roots verify them.
     */
    BACKEND_TLS_CA_FILE: pemFile('certificate'),
    BACKEND_TLS_CERT_FILE: pemFile('certificate'),
    BACKEND_TLS_KEY_FILE: pemFile('private key'),
    BACKEND_TLS_SERVER_NAME: optionalText(),
    BACKEND_ALLOW_PLAINTEXT: boolean(false),
    /** Bearer tokens clients must present, one per line; unset: no authentication. */
    AUTH_TOKENS_FILE: readableFile(),
  })
  .superRefine((env, ctx) => {
    checkKeyPair(
      ctx,
      { name: 'BACKEND_TLS_CERT_FILE', path: env.BACKEND_TLS_CERT_FILE },
      { name: 'BACKEND_TLS_KEY_FILE', path: env.BACKEND_TLS_KEY_FILE },
    );
    if (env.AUTH_TOKENS_FILE !== undefined) {
      try {
        parseBearerTokens(readFileSync(env.AUTH_TOKENS_FILE, 'utf8'));
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['AUTH_TOKENS_FILE'],
          message: `${env.AUTH_TOKENS_FILE} ${(error as Error).message}`,
        });
      }
    }
  });

export interface OrchestratorConfig {
  server: ServerConfig;
  backends: BackendTarget[];
  /** How the orchestrator reaches its backends: TLS (mutual with a client certificate) or, if allowed, plaintext. */
  backendTls: ClientTlsFiles;
  /** Undefined: no authentication. */
  authTokensFile: string | undefined;
  limits: RequestLimits;
  generateTimeoutMs: number;
  scoreTimeoutMs: number;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  generateDeadlineShare: number;
  diffusionLength: 'server' | 'ar-hint';
  defaultStrategy: 'seed' | 'fim' | 'cross' | 'structural' | 'learned';
  selectorWeights: string | undefined;
}

export function toOrchestratorConfig(env: z.infer<typeof orchestratorEnvSchema>): OrchestratorConfig {
  return {
    server: toServerConfig(env),
    backends: env.ENSEMBLE_BACKENDS,
    backendTls: {
      // Permission, not a mode: any BACKEND_TLS_* variable means TLS, as TLS_CERT_FILE does for ALLOW_PLAINTEXT.
      plaintext:
        env.BACKEND_ALLOW_PLAINTEXT &&
        [
          env.BACKEND_TLS_CA_FILE,
          env.BACKEND_TLS_CERT_FILE,
          env.BACKEND_TLS_KEY_FILE,
          env.BACKEND_TLS_SERVER_NAME,
        ].every((value) => value === undefined),
      caFile: env.BACKEND_TLS_CA_FILE,
      certFile: env.BACKEND_TLS_CERT_FILE,
      keyFile: env.BACKEND_TLS_KEY_FILE,
      serverName: env.BACKEND_TLS_SERVER_NAME,
    },
    authTokensFile: env.AUTH_TOKENS_FILE,
    limits: toRequestLimits(env),
    generateTimeoutMs: env.BACKEND_GENERATE_TIMEOUT_MS,
    scoreTimeoutMs: env.BACKEND_SCORE_TIMEOUT_MS,
    healthCheckIntervalMs: env.HEALTH_CHECK_INTERVAL_MS,
    healthCheckTimeoutMs: Math.min(2_000, env.HEALTH_CHECK_INTERVAL_MS),
    generateDeadlineShare: env.GENERATE_DEADLINE_SHARE / 100,
    diffusionLength: env.DIFFUSION_LENGTH,
    defaultStrategy: env.DEFAULT_STRATEGY,
    selectorWeights: env.SELECTOR_WEIGHTS || undefined,
  };
}

export const ORCHESTRATOR_CONFIG = Symbol('ORCHESTRATOR_CONFIG');
