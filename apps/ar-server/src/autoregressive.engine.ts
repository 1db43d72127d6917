import { randomInt } from 'node:crypto';
import { InvalidArgumentError, RequestContext } from '@ensemble/grpc';
import { CausalLm, DecodeScheduler, Rng } from '@ensemble/inference';
import { scoreResult } from '@ensemble/model-server';
import type {
  CompletionResult,
  FinishReasonName,
  GenerationEvent,
  InferenceEngine,
  LoadedModelParts,
  ModelServerConfig,
  ScoredText,
  ScoreResult,
} from '@ensemble/model-server';
import { CausalScorer } from '@ensemble/scoring';
import {
  FimPromptBuilder,
  IncrementalDetokenizer,
  ModelTokenizer,
  prefixOnlySpan,
  StopMatcher,
  StopStringStream,
  StopTokenIds,
} from '@ensemble/tokenizer';
import type { GenerationParams, ScoreParams } from '@ensemble/validation';

// Bounds the logits of one forward (batch x tokens x vocab floats): 64M floats = 256 MB.
const MAX_LOGIT_FLOATS = 64 * 1024 * 1024;

/**
 * Fill-in-the-middle with a causal LM: PSM prompt, continuous-batched KV-cache decoding, stop tokens and stop
 * strings, streamed text deltas; and log-likelihood scoring in the `fim` and the seed's `prefix_only` modes.
 */
export class AutoregressiveEngine implements InferenceEngine {
  private readonly tokenizer: ModelTokenizer;
  private readonly prompts: FimPromptBuilder;
  private readonly stopIds: StopTokenIds;
  private readonly scheduler: DecodeScheduler;
  private readonly scorer: CausalScorer;
  private readonly contextLength: number;
  private readonly eos: number;

  constructor(model: LoadedModelParts, config: ModelServerConfig) {
    const { manifest } = model.directory;
    this.tokenizer = ModelTokenizer.fromFile(model.directory.tokenizerPath);
    this.prompts = FimPromptBuilder.fromManifest(this.tokenizer, manifest);
    this.stopIds = StopTokenIds.fromManifest(manifest);
    this.contextLength = manifest.context_length;
    this.eos = manifest.special_ids.eos;
    const lm = new CausalLm(model.runner, manifest);
    this.scheduler = new DecodeScheduler(lm, {
      maxBatchSize: config.maxBatchSize,
      maxQueueSize: config.maxQueueSize,
      maxPrefillTokens: Math.max(1, Math.floor(MAX_LOGIT_FLOATS / manifest.vocab_size)),
    });
    this.scorer = new CausalScorer(lm, { maxLogitFloats: MAX_LOGIT_FLOATS });
  }

  async generate(
    params: GenerationParams,
    context: RequestContext,
    onEvent?: (event: GenerationEvent) => void,
  ): Promise<CompletionResult[]> {
    const prompt = this.prompts.build(params.prefix, params.suffix).ids;
    const room = this.contextLength - prompt.length;
    if (room < 1) {
      throw new InvalidArgumentError(
        'input',
        `is ${prompt.length} tokens as a prompt, no room left in the context window of ${this.contextLength}`,
      );
    }
    // The server default shrinks to fit; an explicit max_new_tokens that does not fit is the client's error.
    const maxNewTokens = params.sampling.maxNewTokensDefaulted
      ? Math.min(params.sampling.maxNewTokens, room)
      : params.sampling.maxNewTokens;
    if (maxNewTokens > room) {
      throw new InvalidArgumentError(
        'sampling.max_new_tokens',
        `(${maxNewTokens}) plus the prompt (${prompt.length} tokens) exceeds the context window of ${this.contextLength} tokens`,
      );
    }
    // Drawn here and echoed, so any sample can be reproduced by sending its seed back.
    const seed = params.sampling.seed ?? randomInt(0, 2 ** 32);
    return Promise.all(
      Array.from({ length: params.sampling.n }, (_, sampleIndex) =>
        this.sample(prompt, params, maxNewTokens, (seed + sampleIndex) >>> 0, sampleIndex, context, onEvent),
      ),
    );
  }

  private async sample(
    prompt: number[],
    params: GenerationParams,
    maxNewTokens: number,
    seed: number,
    sampleIndex: number,
    context: RequestContext,
    onEvent?: (event: GenerationEvent) => void,
  ): Promise<CompletionResult> {
    const startedAt = performance.now();
    const detokenizer = new IncrementalDetokenizer(this.tokenizer, { skipSpecialTokens: true });
    const stops = new StopStringStream(new StopMatcher(params.sampling.stop));
    let finishReason = 'length' as FinishReasonName; // set inside onToken
    const emit = (text: string) => text && onEvent?.({ sampleIndex, delta: text });

    const result = await this.scheduler.submit({
      prompt,
      sampling: params.sampling,
      rng: new Rng(seed),
      maxNewTokens,
      signal: context.signal,
      onToken: (id) => {
        if (this.stopIds.endsGeneration(id)) {
          finishReason = 'eos';
          return true;
        }
        const step = stops.push(detokenizer.push(id));
        emit(step.text);
        if (step.stop) finishReason = 'stop';
        return step.stop !== undefined;
      },
    });
    if (finishReason !== 'stop') {
      // Bytes held back for an incomplete character, and text held back as a possible stop-string start.
      const tail = stops.push(detokenizer.finish());
      emit(tail.text);
      if (tail.stop) finishReason = 'stop';
      else emit(stops.finish());
    }
    const completion: CompletionResult = {
      text: stops.released,
      finishReason,
      seed,
      sampleIndex,
      promptTokens: prompt.length,
      completionTokens: result.tokens.length,
      forwardPasses: result.forwards,
      matchedStop: stops.stopped?.stop ?? '',
      timings: {
        queueMs: result.queueMs,
        prefillMs: result.prefillMs,
        decodeMs: result.decodeMs,
        totalMs: performance.now() - startedAt,
      },
    };
    onEvent?.({ sampleIndex, completion });
    return completion;
  }

  async score(params: ScoreParams, context: RequestContext): Promise<ScoreResult> {
    // Identical candidates are scored once.
    const unique = [...new Set(params.candidates)];
    const logprobs = new Map<string, ScoredText>();
    if (params.mode === 'fim') {
      const prompt = this.prompts.build(params.prefix, params.suffix).ids;
      const middles = unique.map((candidate) => [
        ...this.tokenizer.encode(candidate),
        ...(params.includeEos ? [this.eos] : []),
      ]);
      middles.forEach((middle, i) =>
        this.checkLength(prompt.length + middle.length, params.candidates.indexOf(unique[i])),
      );
      const scored = await this.scorer.continuations(prompt, middles, context.signal);
      unique.forEach((candidate, i) => logprobs.set(candidate, { ids: middles[i], logprobs: scored[i] }));
    } else {
      for (const candidate of unique) {
        context.throwIfAborted();
        const span = prefixOnlySpan(this.tokenizer, params.prefix, candidate, params.suffix);
        this.checkLength(span.tokens.length, params.candidates.indexOf(candidate));
        // The seed scores positions start+1..end; position 0 has no predecessor and a seam merge can push end past
        // the last token: both are clipped, as the seed's Python slices clip them.
        const from = Math.max(span.start + 1, 1);
        const to = Math.min(span.end, span.tokens.length - 1);
        const values = await this.scorer.span(span.tokens, from, to);
        logprobs.set(candidate, { ids: span.tokens.slice(from, to + 1), logprobs: values });
      }
    }
    return scoreResult(params, logprobs, (id) => this.tokenizer.idToToken(id));
  }

  private checkLength(tokens: number, candidateIndex: number): void {
    if (tokens > this.contextLength) {
      throw new InvalidArgumentError(
        `candidates[${candidateIndex}]`,
        `with the prompt is ${tokens} tokens, more than the context window of ${this.contextLength}`,
      );
    }
  }
}
