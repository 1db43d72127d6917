import { Completion, FinishReason, GenerateStreamResponse, ScoreResponse, Timings } from '@ensemble/proto';
import { LENGTH_POLICY_VALUES, SCORE_MODE_VALUES } from '@ensemble/validation';
import type {
  CompletionResult,
  FinishReasonName,
  GenerationEvent,
  ScoreResult,
  StageTimings,
} from './engine';

const FINISH_REASONS: Record<FinishReasonName, FinishReason> = {
  eos: FinishReason.FINISH_REASON_EOS,
  length: FinishReason.FINISH_REASON_LENGTH,
  stop: FinishReason.FINISH_REASON_STOP,
  canvas_filled: FinishReason.FINISH_REASON_CANVAS_FILLED,
};

/** Engine results -> ensemble.v1 messages. */
export function toCompletion(result: CompletionResult): Completion {
  return {
    text: result.text,
    finishReason: FINISH_REASONS[result.finishReason],
    seed: result.seed,
    sampleIndex: result.sampleIndex,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    forwardPasses: result.forwardPasses,
    matchedStop: result.matchedStop,
    lengthPolicy: result.lengthPolicy ? LENGTH_POLICY_VALUES[result.lengthPolicy] : 0,
  };
}

export function toTimings(timings: StageTimings): Timings {
  return { ...timings };
}

/** The request's timings: each stage's slowest sample, and the request's own wall time. */
export function requestTimings(completions: CompletionResult[], totalMs: number): Timings {
  const slowest = (stage: keyof StageTimings) => Math.max(0, ...completions.map((c) => c.timings[stage]));
  return {
    queueMs: slowest('queueMs'),
    prefillMs: slowest('prefillMs'),
    decodeMs: slowest('decodeMs'),
    totalMs,
  };
}

export function toStreamResponse(event: GenerationEvent): GenerateStreamResponse {
  if ('delta' in event) return { sampleIndex: event.sampleIndex, delta: { text: event.delta } };
  if ('progress' in event) return { sampleIndex: event.sampleIndex, progress: event.progress };
  return {
    sampleIndex: event.sampleIndex,
    completion: toCompletion(event.completion),
    timings: toTimings(event.completion.timings),
  };
}

export function toScoreResponse(model: string, result: ScoreResult, totalMs: number): ScoreResponse {
  return {
    model,
    mode: SCORE_MODE_VALUES[result.mode],
    scores: result.scores.map((score, candidateIndex) => ({
      candidateIndex,
      sumLogprob: score.sumLogprob,
      tokenCount: score.tokenCount,
      meanNll: score.meanNll,
      perplexity: score.perplexity,
      tokens: (score.tokens ?? []).map((token) => ({
        tokenId: token.id,
        token: token.token,
        logprob: token.logprob,
      })),
    })),
    timings: { queueMs: 0, prefillMs: 0, decodeMs: 0, totalMs },
  };
}
