import { Rng } from './rng';

export interface TokenSampling {
  /** 0: greedy. */
  temperature: number;
  /** 1: off. */
  topP: number;
  /** 0: off. */
  topK: number;
}

/** Index of the largest value; ties go to the lowest index (as torch.argmax). */
export function argmax(logits: Float32Array): number {
  let best = 0;
  let bestValue = logits[0];
  for (let i = 1; i < logits.length; i++) {
    if (logits[i] > bestValue) {
      bestValue = logits[i];
      best = i;
    }
  }
  return best;
}

// Tokens below this share of the softmax mass are left out of the sort for top-p; if the rest does not reach
// top_p, everything is sorted (so the result is exact, the shortcut only saves time).
const NEGLIGIBLE = 1e-7;

/**
 * Draws the next token the way transformers' sampling does for a causal LM: temperature, then top-k, then top-p
 * (keep the smallest set of most likely tokens whose mass reaches top_p; the most likely token always stays),
 * then a categorical draw from the renormalised distribution.
 */
export function sampleToken(logits: Float32Array, sampling: TokenSampling, rng: Rng): number {
  if (sampling.temperature === 0) return argmax(logits);
  const vocab = logits.length;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[i] > max) max = logits[i];

  // Unnormalised probabilities at the requested temperature.
  const weights = new Float64Array(vocab);
  let total = 0;
  for (let i = 0; i < vocab; i++) {
    const weight = Math.exp((logits[i] - max) / sampling.temperature);
    weights[i] = weight;
    total += weight;
  }

  let candidates = rankCandidates(logits, weights, total, sampling);
  if (sampling.topK > 0 && candidates.length > sampling.topK) {
    // Keep everything tied with the k-th value, as `logits < kth_value` filtering does.
    const kth = weights[candidates[sampling.topK - 1]];
    let keep = sampling.topK;
    while (keep < candidates.length && weights[candidates[keep]] >= kth) keep++;
    candidates = candidates.subarray(0, keep);
  }
  if (sampling.topP < 1) {
    let mass = 0;
    for (let i = 0; i < candidates.length; i++) mass += weights[candidates[i]];
    // Keep a token while the mass of the more likely ones before it is below top_p (the first always stays).
    let before = 0;
    let keep = 0;
    while (keep < candidates.length && (keep === 0 || before / mass < sampling.topP)) {
      before += weights[candidates[keep]];
      keep++;
    }
    candidates = candidates.subarray(0, keep);
  }

  let kept = 0;
  for (let i = 0; i < candidates.length; i++) kept += weights[candidates[i]];
  let target = rng.nextFloat() * kept;
  for (let i = 0; i < candidates.length; i++) {
    target -= weights[candidates[i]];
    if (target < 0) return candidates[i];
  }
  return candidates[candidates.length - 1];
}

/**
 * Token ids in descending probability (ties by id). Without top-k/top-p every token is a candidate and no order is
 * needed; with them, only tokens above a negligible share are sorted unless those cannot cover top_p.
 */
function rankCandidates(
  logits: Float32Array,
  weights: Float64Array,
  total: number,
  sampling: TokenSampling,
): Uint32Array {
  const vocab = weights.length;
  if (sampling.topK === 0 && sampling.topP >= 1) return Uint32Array.from({ length: vocab }, (_, i) => i);
  const threshold = total * NEGLIGIBLE;
  const ids: number[] = [];
  let covered = 0;
  for (let i = 0; i < vocab; i++) {
    if (weights[i] >= threshold) {
      ids.push(i);
      covered += weights[i];
    }
  }
  const enough = covered / total >= sampling.topP && (sampling.topK === 0 || ids.length >= sampling.topK);
  return sortByLogit(logits, enough ? ids : Array.from({ length: vocab }, (_, i) => i));
}

/**
 * `ids` by descending logit, ties by ascending id: the order of descending probability, since a probability is a
 * monotonic function of its logit. A stable least-significant-digit radix sort over the logits' bits (made
 * order-preserving as unsigned integers), three passes of 11 bits: with a flat distribution top-p keeps ~95% of a
 * 152k vocabulary, where a comparator sort cost ~80 ms per token and a native Float64Array sort ~20 ms.
 */
export function sortByLogit(logits: Float32Array, ids: ArrayLike<number>): Uint32Array {
  const bits = new Uint32Array(logits.buffer, logits.byteOffset, logits.length);
  const count = ids.length;
  let keys = new Uint32Array(count);
  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const raw = bits[ids[i]] === 0x80000000 ? 0 : bits[ids[i]]; // -0 ties with +0
    // IEEE-754 order as unsigned integers (negatives flipped entirely, positives above them), then inverted so
    // an ascending sort yields descending logits.
    const ordered = raw & 0x80000000 ? ~raw >>> 0 : (raw | 0x80000000) >>> 0;
    keys[i] = ~ordered >>> 0;
    order[i] = ids[i];
  }
  // Stability keeps ties in input order: sort the input by id first if it is not already.
  for (let i = 1; i < count; i++) {
    if (order[i - 1] > order[i]) return sortByLogit(logits, Uint32Array.from(ids).sort());
  }
  let nextKeys = new Uint32Array(count);
  let nextOrder = new Uint32Array(count);
  const buckets = new Uint32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    buckets.fill(0);
    for (let i = 0; i < count; i++) buckets[(keys[i] >>> shift) & 2047]++;
    for (let b = 0, start = 0; b < 2048; b++) {
      const size = buckets[b];
      buckets[b] = start;
      start += size;
    }
    for (let i = 0; i < count; i++) {
      const to = buckets[(keys[i] >>> shift) & 2047]++;
      nextKeys[to] = keys[i];
      nextOrder[to] = order[i];
    }
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
}
