import { z } from 'zod';
import { integer, oneOf, serverConfigSchema, ServerConfig, text, toServerConfig } from '@ensemble/config';
import { DEFAULT_LIMITS, RequestLimits } from '@ensemble/validation';
import { BackendTarget, DEFAULT_BACKENDS, parseBackends } from './backends';

export const orchestratorEnvSchema = serverConfigSchema({ grpcPort: 50050, metricsPort: 9090 }).extend({
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
});

export interface OrchestratorConfig {
  server: ServerConfig;
  backends: BackendTarget[];
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
    limits: DEFAULT_LIMITS,
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
