import type { ModelKindName } from '@ensemble/inference';
import type { GenerationDefaults, ScoreModeName } from '@ensemble/validation';
import type { EngineFactory } from './engine';

/** What differs between the autoregressive and the diffusion server; everything else is shared code. */
export interface ModelServerProfile {
  appName: string;
  kind: ModelKindName;
  defaultGrpcPort: number;
  defaultMetricsPort: number;
  /** Bundled model used when MODEL_DIR is unset, relative to the project root. */
  bundledModelDir: string;
  /** Score modes this kind implements, default first. */
  scoreModes: readonly ScoreModeName[];
  defaults: GenerationDefaults;
  /** The model-specific algorithm (autoregressive decoding, diffusion denoising). */
  createEngine: EngineFactory;
}

/**
 * Open-dLLM's reference evaluation settings (p2, 64 steps) with a fixed 32-token canvas. The diffusion server
 * serves them; the autoregressive server carries them only so every request resolves to one parameter shape.
 */
export const DIFFUSION_DEFAULTS: GenerationDefaults['diffusion'] = {
  steps: 64,
  algorithm: 'p2',
  algTemp: 0,
  lengthPolicy: 'fixed',
  middleLength: 32,
  candidateLengths: [8, 16, 32, 64],
};
