import { DIFFUSION_DEFAULTS, type ModelServerProfile } from '@ensemble/model-server';
import { AutoregressiveEngine } from './autoregressive.engine';

/** The autoregressive server: Qwen2.5-Coder style fill-in-the-middle with a causal KV-cache graph. */
export const AR_SERVER_PROFILE: ModelServerProfile = {
  appName: 'ar-server',
  kind: 'autoregressive',
  defaultGrpcPort: 50051,
  defaultMetricsPort: 9091,
  bundledModelDir: 'test/fixtures/models/tiny-ar',
  scoreModes: ['fim', 'prefix_only'],
  defaults: {
    // The seed's generation settings: temperature 0.6, up to 512 new tokens.
    sampling: { temperature: 0.6, topP: 0.95, topK: 0, maxNewTokens: 512, n: 1 },
    diffusion: DIFFUSION_DEFAULTS,
  },
  createEngine: (model, config) => new AutoregressiveEngine(model, config),
};
