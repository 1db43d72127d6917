import { CausalLm } from '@ensemble/inference';
import { logSoftmaxAt } from './log-likelihood';

export interface CausalScorerOptions {
  /** Upper bound on batch x tokens x vocab logits floats of one forward (memory), e.g. 64M floats = 256 MB. */
  maxLogitFloats: number;
}

/**
 * Log-likelihoods under a causal LM, from token ids (the caller tokenises and decides the span).
 * Forwards go through the model's shared SessionRunner, so scoring interleaves with decoding.
 */
export class CausalScorer {
  constructor(
    private readonly lm: CausalLm,
    private readonly options: CausalScorerOptions,
  ) {}

  /**
   * log p(continuation_i | prompt) token by token, for several continuations of one prompt: the prompt is run once
   * and its cache shared, then the continuations run as a right-padded batch (chunked to bound logits memory).
   */
  async continuations(
    prompt: number[],
    continuations: number[][],
    signal?: AbortSignal,
  ): Promise<number[][]> {
    const promptForward = await this.lm.forward([prompt], this.lm.emptyPast(1), 'score');
    const last = promptForward.steps - 1;
    const firstLogits = promptForward.logits.subarray(
      last * promptForward.vocab,
      (last + 1) * promptForward.vocab,
    );
    const results: number[][] = continuations.map((tokens) =>
      tokens.length > 0 ? [logSoftmaxAt(firstLogits, tokens[0])] : [],
    );

    // Only continuations longer than one token need the second forward.
    const pending = continuations
      .map((tokens, i) => ({ tokens, i }))
      .filter(({ tokens }) => tokens.length > 1);
    for (const chunk of this.chunks(pending, (item) => item.tokens.length - 1)) {
      signal?.throwIfAborted();
      const width = Math.max(...chunk.map(({ tokens }) => tokens.length - 1));
      // Feed tokens 0..n-2: the logits after token k predict token k+1.
      const inputs = chunk.map(({ tokens }) => [
        ...tokens.slice(0, -1),
        ...new Array(width - (tokens.length - 1)).fill(tokens[0]),
      ]);
      const right = chunk.map(({ tokens }) => width - (tokens.length - 1));
      const forward = await this.lm.forward(inputs, promptForward.present.repeat(0, chunk.length), 'score', {
        right,
      });
      chunk.forEach(({ tokens, i }, row) => {
        for (let k = 1; k < tokens.length; k++) {
          const offset = (row * forward.steps + k - 1) * forward.vocab;
          results[i].push(logSoftmaxAt(forward.logits.subarray(offset, offset + forward.vocab), tokens[k]));
        }
      });
    }
    return results;
  }

  /** log p(tokens[j] | tokens[..j]) for j in [from, to] (inclusive), from >= 1: one forward over tokens[0..to-1]. */
  async span(tokens: number[], from: number, to: number): Promise<number[]> {
    if (from < 1 || to >= tokens.length || from > to) return [];
    const forward = await this.lm.forward([tokens.slice(0, to)], this.lm.emptyPast(1), 'score');
    const logprobs: number[] = [];
    for (let j = from; j <= to; j++) {
      const offset = (j - 1) * forward.vocab;
      logprobs.push(logSoftmaxAt(forward.logits.subarray(offset, offset + forward.vocab), tokens[j]));
    }
    return logprobs;
  }

  /** Groups items so that batch x width x vocab stays within the logits budget (at least one item per group). */
  private *chunks<T>(items: T[], width: (item: T) => number): Generator<T[]> {
    let group: T[] = [];
    let widest = 0;
    for (const item of items) {
      const next = Math.max(widest, width(item));
      if (group.length > 0 && (group.length + 1) * next * this.lm.vocab > this.options.maxLogitFloats) {
        yield group;
        group = [];
        widest = 0;
      }
      group.push(item);
      widest = Math.max(widest, width(item));
    }
    if (group.length > 0) yield group;
  }
}
