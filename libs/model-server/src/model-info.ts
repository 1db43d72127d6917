import { DiffusionParams, GetModelInfoResponse, ModelKind, SamplingParams } from '@ensemble/proto';
import { projectVersion } from '@ensemble/config';
import type { ModelDirectory } from '@ensemble/inference';
import { ALGORITHM_VALUES, LENGTH_POLICY_VALUES, SCORE_MODE_VALUES } from '@ensemble/validation';
import type { ModelServerConfig } from './model-server.config';
import type { ModelServerProfile } from './model-server.profile';

/** GetModelInfo's answer, from the model directory plus this server's profile and configuration. */
export function buildModelInfo(
  directory: ModelDirectory,
  profile: ModelServerProfile,
  config: ModelServerConfig,
): GetModelInfoResponse {
  const { manifest } = directory;
  const { sampling, diffusion } = profile.defaults;
  const defaultSampling: SamplingParams = {
    temperature: sampling.temperature,
    topP: sampling.topP,
    topK: sampling.topK,
    maxNewTokens: Math.min(sampling.maxNewTokens, config.limits.maxNewTokens),
    n: sampling.n,
    stop: [],
  };
  const defaultDiffusion: DiffusionParams = {
    steps: diffusion.steps,
    algorithm: ALGORITHM_VALUES[diffusion.algorithm],
    algTemp: diffusion.algTemp,
    lengthPolicy: LENGTH_POLICY_VALUES[diffusion.lengthPolicy],
    middleLength: diffusion.middleLength,
    candidateLengths: diffusion.candidateLengths,
  };
  const fim = manifest.fim_tokens;
  return {
    name: manifest.name,
    kind:
      manifest.kind === 'diffusion' ? ModelKind.MODEL_KIND_DIFFUSION : ModelKind.MODEL_KIND_AUTOREGRESSIVE,
    contextLength: manifest.context_length,
    vocabSize: manifest.vocab_size,
    executionProvider: config.session.provider,
    dtype: manifest.dtype,
    supportsFim: manifest.kind === 'autoregressive' && fim !== null,
    fimTokens: fim
      ? {
          prefix: fim.prefix ?? '',
          middle: fim.middle ?? '',
          suffix: fim.suffix ?? '',
          pad: fim.pad ?? '',
          fileSeparator: fim.file_sep ?? '',
        }
      : undefined,
    eosTokenId: manifest.special_ids.eos,
    maskTokenId: manifest.special_ids.mask ?? undefined,
    stopTokenIds: manifest.stop_ids,
    scoreModes: profile.scoreModes.map((mode) => SCORE_MODE_VALUES[mode]),
    defaultSampling,
    defaultDiffusion: manifest.kind === 'diffusion' ? defaultDiffusion : undefined,
    limits: {
      maxNewTokens: config.limits.maxNewTokens,
      maxSamples: config.limits.maxSamples,
      maxSteps: config.limits.maxSteps,
      maxBatchSize: config.maxBatchSize,
      maxQueueSize: config.maxQueueSize,
    },
    serverVersion: projectVersion(),
  };
}
