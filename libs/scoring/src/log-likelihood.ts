/** Natural-log probability of `id` under softmax(logits), computed in float64 for stable sums over long middles. */
export function logSoftmaxAt(logits: Float32Array, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[id] - max - Math.log(sum);
}

export interface LogLikelihood {
  /** Sum of log p over the scored tokens. */
  sumLogprob: number;
  tokenCount: number;
  /** -sumLogprob / tokenCount; 0 when no token was scored. */
  meanNll: number;
  /** exp(meanNll); 1 when no token was scored. */
  perplexity: number;
}

/** Perplexity summary of per-token log-probabilities (an empty middle scores as certain: nothing to predict). */
export function summarise(logprobs: number[]): LogLikelihood {
  const sumLogprob = logprobs.reduce((sum, value) => sum + value, 0);
  const tokenCount = logprobs.length;
  const meanNll = tokenCount === 0 ? 0 : -sumLogprob / tokenCount;
  return { sumLogprob, tokenCount, meanNll, perplexity: Math.exp(meanNll) };
}
