import type { RequestContext } from '@ensemble/grpc';
import type { GenerationParams, LengthPolicyName, ScoreModeName, ScoreParams } from '@ensemble/validation';
import { LogLikelihood, summarise } from '@ensemble/scoring';
import type { ModelDirectory, SessionRunner } from '@ensemble/inference';
import type { ModelTokenizer } from '@ensemble/tokenizer';
import type { ModelServerConfig } from './model-server.config';

export type FinishReasonName = 'eos' | 'length' | 'stop' | 'canvas_filled';

export interface CompletionResult {
  text: string;
  finishReason: FinishReasonName;
  seed: number;
  sampleIndex: number;
  promptTokens: number;
  completionTokens: number;
  forwardPasses: number;
  matchedStop: string;
  lengthPolicy?: LengthPolicyName;
  timings: StageTimings;
}

export interface StageTimings {
  queueMs: number;
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
}

/** Progress of one sample while it is generated: text deltas (autoregressive) or denoising steps (diffusion). */
export type GenerationEvent =
  | { sampleIndex: number; delta: string }
  | {
      sampleIndex: number;
      progress: { step: number; totalSteps: number; canvas: string; masksRemaining: number };
    }
  | { sampleIndex: number; completion: CompletionResult };

export interface CandidateLogLikelihood extends LogLikelihood {
  tokens?: Array<{ id: number; token: string; logprob: number }>;
}

export interface ScoreResult {
  mode: ScoreModeName;
  scores: CandidateLogLikelihood[];
}

/** Builds a server's engine once its model is loaded and warmed. */
export type EngineFactory = (model: LoadedModelParts, config: ModelServerConfig) => InferenceEngine;

export interface LoadedModelParts {
  directory: ModelDirectory;
  runner: SessionRunner;
  /**
   * The model's tokenizer as the runtime loaded it (to count input tokens against MAX_INPUT_TOKENS); engines may
   * share it instead of loading their own copy.
   */
  tokenizer?: ModelTokenizer;
}

/**
 * What a model server's engine does with validated parameters. The shared ModelService handles transport,
 * readiness and validation; an engine owns the model-specific algorithm (autoregressive decoding, denoising).
 */
export interface InferenceEngine {
  /** Generates `params.sampling.n` samples; `onEvent` sees progress as it happens (for GenerateStream). */
  generate(
    params: GenerationParams,
    context: RequestContext,
    onEvent?: (event: GenerationEvent) => void,
  ): Promise<CompletionResult[]>;
  score(params: ScoreParams, context: RequestContext): Promise<ScoreResult>;
}

/** Per-token log-probabilities of one distinct candidate text, and the ids they belong to. */
export interface ScoredText {
  ids: number[];
  logprobs: number[];
}

/**
 * The Score result in request order from the distinct texts an engine scored (identical candidates share one
 * entry), with per-token detail when the request asked for it.
 */
export function scoreResult(
  params: ScoreParams,
  scored: ReadonlyMap<string, ScoredText>,
  tokenText: (id: number) => string | undefined,
): ScoreResult {
  return {
    mode: params.mode,
    scores: params.candidates.map((candidate) => {
      const { ids, logprobs } = scored.get(candidate) as ScoredText;
      return {
        ...summarise(logprobs),
        tokens: params.returnTokenLogprobs
          ? logprobs.map((logprob, k) => ({ id: ids[k], token: tokenText(ids[k]) ?? '', logprob }))
          : undefined,
      };
    }),
  };
}
