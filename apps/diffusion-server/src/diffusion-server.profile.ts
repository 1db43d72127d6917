import { DIFFUSION_DEFAULTS, type ModelServerProfile } from '@ensemble/model-server';
import { DiffusionEngine } from './diffusion.engine';

/** The diffusion server: Open-dCoder style masked-diffusion infilling with a bidirectional graph. */
export const DIFFUSION_SERVER_PROFILE: ModelServerProfile = {
  appName: 'diffusion-server',
  kind: 'diffusion',
  defaultGrpcPort: 50052,
  defaultMetricsPort: 9092,
  bundledModelDir: 'test/fixtures/models/tiny-diffusion',
  scoreModes: ['masked_one_shot', 'masked_monte_carlo'],
  defaults: {
    // Open-dLLM's reference evaluation: p2, 64 steps, temperature 0.6, top_p 0.95, no top_k.
    sampling: { temperature: 0.6, topP: 0.95, topK: 0, maxNewTokens: 256, n: 1 },
    diffusion: DIFFUSION_DEFAULTS,
  },
  createEngine: (model, config) => new DiffusionEngine(model, config),
};
