import { randomInt } from 'node:crypto';
import { InvalidArgumentError, RequestContext, ResourceExhaustedError } from '@ensemble/grpc';
import { Rng } from '@ensemble/inference';
import { BidirectionalLm, denoise, maskedMonteCarlo, maskedOneShot } from '@ensemble/diffusion';
import { scoreResult } from '@ensemble/model-server';
import type {
  CompletionResult,
  GenerationEvent,
  InferenceEngine,
  LoadedModelParts,
  ModelServerConfig,
  ScoredText,
  ScoreResult,
} from '@ensemble/model-server';
import { summarise } from '@ensemble/scoring';
import { ModelTokenizer } from '@ensemble/tokenizer';
import type { GenerationParams, LengthPolicyName, ScoreParams } from '@ensemble/validation';

interface Canvas {
  prefix: number[];
  suffix: number[];
}

/**
 * Masked-diffusion infilling: `encode(prefix) + [MASK] * m + encode(suffix)` denoised by Open-dLLM's samplers,
 * with the middle length m chosen by a length policy; scoring by masked log-likelihood estimates.
 */
export class DiffusionEngine implements InferenceEngine {
  private readonly tokenizer: ModelTokenizer;
  private readonly lm: BidirectionalLm;
  private readonly contextLength: number;
  private readonly maxInFlight: number;
  private inFlight = 0;

  constructor(model: LoadedModelParts, config: ModelServerConfig) {
    this.tokenizer = ModelTokenizer.fromFile(model.directory.tokenizerPath);
    this.lm = new BidirectionalLm(model.runner, model.directory.manifest);
    this.contextLength = model.directory.manifest.context_length;
    // Each sample is its own denoising loop; loops interleave their forwards on the shared session.
    this.maxInFlight = config.maxBatchSize + config.maxQueueSize;
  }

  async generate(
    params: GenerationParams,
    context: RequestContext,
    onEvent?: (event: GenerationEvent) => void,
  ): Promise<CompletionResult[]> {
    const canvas: Canvas = {
      prefix: this.tokenizer.encode(params.prefix),
      suffix: this.tokenizer.encode(params.suffix),
    };
    const policy = params.diffusion.lengthPolicy;
    const lengths = this.candidateLengths(params);
    for (const length of lengths) this.checkFits(canvas, length);
    const seed = params.sampling.seed ?? randomInt(0, 2 ** 32);
    return this.admitted(params.sampling.n, () =>
      Promise.all(
        Array.from({ length: params.sampling.n }, async (_, sampleIndex) => {
          const sampleSeed = (seed + sampleIndex) >>> 0;
          const startedAt = performance.now();
          // `search` denoises every candidate length and keeps the most likely result under this model.
          const tries = [];
          for (const length of lengths) {
            tries.push(
              await this.sample(
                canvas,
                length,
                params,
                sampleSeed,
                sampleIndex,
                context,
                lengths.length === 1 ? onEvent : undefined,
              ),
            );
          }
          const best = tries.reduce((a, b) => (b.meanLogprob > a.meanLogprob ? b : a));
          const completion: CompletionResult = {
            ...best.completion,
            forwardPasses: tries.reduce((sum, t) => sum + t.completion.forwardPasses, 0),
            lengthPolicy: policy,
            timings: { ...best.completion.timings, totalMs: performance.now() - startedAt },
          };
          onEvent?.({ sampleIndex, completion });
          return completion;
        }),
      ),
    );
  }

  private async sample(
    canvas: Canvas,
    length: number,
    params: GenerationParams,
    seed: number,
    sampleIndex: number,
    context: RequestContext,
    onEvent?: (event: GenerationEvent) => void,
  ): Promise<{ completion: CompletionResult; meanLogprob: number }> {
    const startedAt = performance.now();
    const start = canvas.prefix.length;
    const middleOf = (ids: readonly number[]) => ids.slice(start, start + length);
    const result = await denoise(this.lm, {
      canvas: [...canvas.prefix, ...new Array(length).fill(this.lm.maskId), ...canvas.suffix],
      steps: params.diffusion.steps,
      algorithm: params.diffusion.algorithm,
      sampling: params.sampling,
      algTemp: params.diffusion.algTemp,
      rng: new Rng(seed),
      signal: context.signal,
      onStep: onEvent
        ? (step, ids, masksRemaining) =>
            onEvent({
              sampleIndex,
              progress: {
                step,
                totalSteps: params.diffusion.steps,
                canvas: this.tokenizer.decode(middleOf(ids), { skipSpecialTokens: true }),
                masksRemaining,
              },
            })
        : undefined,
    });
    const middle = middleOf(result.canvas);
    const filled = !middle.includes(this.lm.maskId);
    const meanLogprob =
      length === 0
        ? 0
        : -summarise(await maskedOneShot(this.lm, canvas.prefix, middle, canvas.suffix)).meanNll;
    return {
      meanLogprob,
      completion: {
        text: this.tokenizer.decode(middle, { skipSpecialTokens: true }),
        finishReason: filled ? 'canvas_filled' : 'length',
        seed,
        sampleIndex,
        promptTokens: canvas.prefix.length + canvas.suffix.length,
        completionTokens: length,
        forwardPasses: result.forwards,
        matchedStop: '',
        timings: {
          queueMs: 0,
          prefillMs: 0,
          decodeMs: performance.now() - startedAt,
          totalMs: performance.now() - startedAt,
        },
      },
    };
  }

  /** The middle length(s) to try under the request's length policy. */
  private candidateLengths(params: GenerationParams): number[] {
    const { diffusion } = params;
    const policies: Record<LengthPolicyName, () => number[]> = {
      fixed: () => [diffusion.middleLength as number],
      oracle: () => [this.tokenizer.encode(diffusion.referenceMiddle ?? '').length],
      hint: () => [diffusion.lengthHint as number],
      search: () => diffusion.candidateLengths,
    };
    const lengths = policies[diffusion.lengthPolicy]();
    if (lengths.length === 0)
      throw new InvalidArgumentError(
        'diffusion.candidate_lengths',
        'must not be empty for LENGTH_POLICY_SEARCH',
      );
    return lengths;
  }

  private checkFits(canvas: Canvas, length: number): void {
    const total = canvas.prefix.length + length + canvas.suffix.length;
    if (total > this.contextLength) {
      throw new InvalidArgumentError(
        'input',
        `prefix + middle + suffix is ${total} tokens (middle length ${length}), more than the context window of ${this.contextLength}`,
      );
    }
  }

  /** Bounds concurrent denoising loops (each holds a canvas and interleaves forwards with the others). */
  private async admitted<T>(loops: number, work: () => Promise<T>): Promise<T> {
    if (this.inFlight + loops > this.maxInFlight) {
      throw new ResourceExhaustedError(
        `${this.inFlight} denoising loops are running (limit ${this.maxInFlight}); retry later`,
      );
    }
    this.inFlight += loops;
    try {
      return await work();
    } finally {
      this.inFlight -= loops;
    }
  }

  async score(params: ScoreParams, context: RequestContext): Promise<ScoreResult> {
    const prefix = this.tokenizer.encode(params.prefix);
    const suffix = this.tokenizer.encode(params.suffix);
    const unique = [...new Set(params.candidates)];
    const results = new Map<string, ScoredText>();
    for (const candidate of unique) {
      context.throwIfAborted();
      const middle = this.tokenizer.encode(candidate);
      this.checkFits({ prefix, suffix }, middle.length);
      const logprobs =
        params.mode === 'masked_monte_carlo'
          ? await maskedMonteCarlo(
              this.lm,
              prefix,
              middle,
              suffix,
              params.monteCarloSamples,
              new Rng(params.seed ?? 0),
              context.signal,
            )
          : await maskedOneShot(this.lm, prefix, middle, suffix);
      results.set(candidate, { ids: middle, logprobs });
    }
    return scoreResult(params, results, (id) => this.tokenizer.idToToken(id));
  }
}
