import type { Rng } from '@ensemble/inference';

export type ConfidenceKind = 'probability' | 'negative_entropy' | 'margin';

export interface DenoiseSampling {
  temperature: number;
  topP: number;
  /** 0: off. */
  topK: number;
}

export interface SampledToken {
  id: number;
  confidence: number;
}

/**
 * Open-dLLM's sample_tokens for one position (REFERENCE.md §2): temperature, then top-p (drop tokens whose
 * cumulative mass *before* them exceeds top_p; the top token stays), then top-k (keep logits >= the k-th largest),
 * softmax, then x0 = a draw (temperature > 0) or the argmax (ties to the lowest id). top_p / top_k apply at
 * temperature 0 too: they cannot change the argmax but they renormalise, and so change the confidence.
 * Confidence: p[x0]; `negative_entropy`: sum p log p; `margin`: p1 - p2.
 */
export function sampleDenoiseToken(
  row: Float32Array,
  sampling: DenoiseSampling,
  kind: ConfidenceKind,
  rng: Rng,
): SampledToken {
  const vocab = row.length;
  const logits = new Float64Array(vocab);
  const scale = sampling.temperature > 0 ? sampling.temperature : 1;
  for (let i = 0; i < vocab; i++) logits[i] = Math.fround(row[i] / scale);

  if (sampling.topP < 1) applyTopP(logits, sampling.topP);
  if (sampling.topK > 0) applyTopK(logits, sampling.topK);

  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[i] > max) max = logits[i];
  const probs = new Float64Array(vocab);
  let sum = 0;
  for (let i = 0; i < vocab; i++) {
    const value = logits[i] === -Infinity ? 0 : Math.exp(logits[i] - max);
    probs[i] = value;
    sum += value;
  }
  for (let i = 0; i < vocab; i++) probs[i] /= sum;

  let id = 0;
  if (sampling.temperature > 0) {
    let target = rng.nextFloat();
    id = vocab - 1;
    for (let i = 0; i < vocab; i++) {
      target -= probs[i];
      if (target < 0) {
        id = i;
        break;
      }
    }
  } else {
    for (let i = 1; i < vocab; i++) if (probs[i] > probs[id]) id = i;
  }
  return { id, confidence: confidenceOf(probs, id, kind) };
}

function confidenceOf(probs: Float64Array, id: number, kind: ConfidenceKind): number {
  if (kind === 'probability') return probs[id];
  if (kind === 'negative_entropy') {
    // As the reference: sum p * log(clamp(p, 1e-10)).
    let total = 0;
    for (const p of probs) total += p * Math.log(Math.max(p, 1e-10));
    return total;
  }
  let first = -Infinity;
  let second = -Infinity;
  for (const p of probs) {
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
  }
  return first - second;
}

// Tokens below this share of the mass are not sorted for top-p when the rest already exceeds top_p: each of them
// comes after all the others in the sorted order, with more than top_p before it, so it is dropped anyway.
const NEGLIGIBLE = 1e-7;

function applyTopP(logits: Float64Array, topP: number): void {
  let max = -Infinity;
  for (const value of logits) if (value > max) max = value;
  const weights = logits.map((value) => Math.exp(value - max));
  let sum = 0;
  for (const weight of weights) sum += weight;
  // Sorting a 152k vocabulary for every position of every step is the cost to avoid: rank only the tokens that
  // can be kept when they alone already exceed top_p (the result is the same as a full sort).
  let ranked = Array.from(logits.keys()).filter((i) => weights[i] >= sum * NEGLIGIBLE);
  const covered = ranked.reduce((total, i) => total + weights[i], 0) / sum;
  if (!(covered > topP)) ranked = Array.from(logits.keys());
  ranked.sort((a, b) => logits[b] - logits[a] || a - b);
  const keep = new Uint8Array(logits.length);
  let before = 0;
  for (let rank = 0; rank < ranked.length; rank++) {
    if (rank > 0 && before > topP) break;
    keep[ranked[rank]] = 1;
    before += weights[ranked[rank]] / sum;
  }
  for (let i = 0; i < logits.length; i++) if (!keep[i]) logits[i] = -Infinity;
}

function applyTopK(logits: Float64Array, k: number): void {
  if (k >= logits.length) return;
  const kth = Float64Array.from(logits).sort().reverse()[k - 1];
  for (let i = 0; i < logits.length; i++) if (logits[i] < kth) logits[i] = -Infinity;
}
