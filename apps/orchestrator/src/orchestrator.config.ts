import { z } from 'zod';
import { serverConfigSchema, ServerConfig, text, toServerConfig } from '@ensemble/config';
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
});

export interface OrchestratorConfig {
  server: ServerConfig;
  backends: BackendTarget[];
  limits: RequestLimits;
}

export function toOrchestratorConfig(env: z.infer<typeof orchestratorEnvSchema>): OrchestratorConfig {
  return { server: toServerConfig(env), backends: env.ENSEMBLE_BACKENDS, limits: DEFAULT_LIMITS };
}

export const ORCHESTRATOR_CONFIG = Symbol('ORCHESTRATOR_CONFIG');
