import { integer } from '@ensemble/config';

/** Per-server ceilings (configured; reported by GetModelInfo) that requests are validated against. */
export interface RequestLimits {
  maxNewTokens: number;
  maxSamples: number;
  maxSteps: number;
  maxStopSequences: number;
  maxStopLength: number;
  maxCandidates: number;
  /**
   * Prefix, suffix, reference middle and each Score candidate, in characters: checked before tokenising, which
   * costs CPU time in proportion to the text.
   */
  maxInputChars: number;
  /** Prefix and suffix, each, in tokens (model servers, after tokenising; the context window applies as well). */
  maxInputTokens: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  maxNewTokens: 2048,
  maxSamples: 16,
  maxSteps: 1024,
  maxStopSequences: 16,
  maxStopLength: 256,
  maxCandidates: 64,
  maxInputChars: 65_536,
  maxInputTokens: 16_384,
};

/**
 * The request ceilings every server reads from its environment (zod fields to spread into an app's schema).
 * The model servers add MAX_INPUT_TOKENS (`inputTokensEnv`): only they tokenise.
 */
export const requestLimitsEnv = {
  MAX_INPUT_CHARS: integer(DEFAULT_LIMITS.maxInputChars, 1, 100_000_000),
  MAX_NEW_TOKENS: integer(DEFAULT_LIMITS.maxNewTokens, 1, 1_000_000),
  MAX_SAMPLES: integer(DEFAULT_LIMITS.maxSamples, 1, 1024),
  MAX_STEPS: integer(DEFAULT_LIMITS.maxSteps, 1, 100_000),
};

export const inputTokensEnv = {
  MAX_INPUT_TOKENS: integer(DEFAULT_LIMITS.maxInputTokens, 1, 10_000_000),
};

export function toRequestLimits(env: {
  MAX_INPUT_CHARS: number;
  MAX_NEW_TOKENS: number;
  MAX_SAMPLES: number;
  MAX_STEPS: number;
  MAX_INPUT_TOKENS?: number;
}): RequestLimits {
  return {
    ...DEFAULT_LIMITS,
    maxInputChars: env.MAX_INPUT_CHARS,
    maxNewTokens: env.MAX_NEW_TOKENS,
    maxSamples: env.MAX_SAMPLES,
    maxSteps: env.MAX_STEPS,
    maxInputTokens: env.MAX_INPUT_TOKENS ?? DEFAULT_LIMITS.maxInputTokens,
  };
}
