import type { Rng } from '@ensemble/inference';
import { logSoftmaxAt } from '@ensemble/scoring';
import { BidirectionalLm } from './bidirectional-lm';

/**
 * One-shot masked estimate of log p(middle | prefix, suffix): mask every middle token, one forward, and sum
 * log p of the true tokens at their (shifted) prediction rows.
 */
export async function maskedOneShot(
  lm: BidirectionalLm,
  prefix: number[],
  middle: number[],
  suffix: number[],
): Promise<number[]> {
  if (middle.length === 0) return [];
  const canvas = [...prefix, ...new Array(middle.length).fill(lm.maskId), ...suffix];
  const positions = middle.map((_, i) => prefix.length + i);
  const { logits, vocab } = await lm.predict(canvas, positions, 'score');
  return middle.map((id, i) => logSoftmaxAt(logits.subarray(i * vocab, (i + 1) * vocab), id));
}

/**
 * Monte-Carlo estimate over random mask ratios: each sample draws a ratio r in (0, 1], masks each middle token
 * with probability r (at least one), and averages log p of the masked tokens. Returns, per middle token, the mean
 * of its log-probabilities over the samples in which it was masked (a token never masked gets the one-shot value).
 */
export async function maskedMonteCarlo(
  lm: BidirectionalLm,
  prefix: number[],
  middle: number[],
  suffix: number[],
  samples: number,
  rng: Rng,
  signal?: AbortSignal,
): Promise<number[]> {
  if (middle.length === 0) return [];
  const sums = new Array(middle.length).fill(0);
  const counts = new Array(middle.length).fill(0);
  for (let sample = 0; sample < samples; sample++) {
    signal?.throwIfAborted();
    const ratio = 1 - rng.nextFloat();
    let masked = middle.map((_, i) => i).filter(() => rng.nextFloat() < ratio);
    if (masked.length === 0) masked = [Math.floor(rng.nextFloat() * middle.length)];
    const canvas = [...prefix, ...middle, ...suffix];
    for (const i of masked) canvas[prefix.length + i] = lm.maskId;
    const { logits, vocab } = await lm.predict(
      canvas,
      masked.map((i) => prefix.length + i),
      'score',
    );
    masked.forEach((i, row) => {
      sums[i] += logSoftmaxAt(logits.subarray(row * vocab, (row + 1) * vocab), middle[i]);
      counts[i]++;
    });
  }
  const missing = counts.some((count) => count === 0) ? await maskedOneShot(lm, prefix, middle, suffix) : [];
  return sums.map((sum, i) => (counts[i] > 0 ? sum / counts[i] : missing[i]));
}
