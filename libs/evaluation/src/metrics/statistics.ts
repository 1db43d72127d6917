export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The q-quantile (0..1) by linear interpolation between closest ranks (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/**
 * Area under the ROC curve of `score` as a predictor of `positive` (Mann-Whitney U / (n+ n-), ties count 1/2):
 * the probability that a random positive outranks a random negative. Null when either class is empty.
 */
export function auroc(scores: readonly number[], positive: readonly boolean[]): number | null {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Array<number>(scores.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) ranks[order[i]] = averageRank;
    start = end + 1;
  }
  const nPositive = positive.filter(Boolean).length;
  const nNegative = positive.length - nPositive;
  if (nPositive === 0 || nNegative === 0) return null;
  const rankSum = ranks.reduce((sum, rank, i) => sum + (positive[i] ? rank : 0), 0);
  return (rankSum - (nPositive * (nPositive + 1)) / 2) / (nPositive * nNegative);
}

/** Pearson correlation of a continuous variable with a 0/1 one; null when either is constant. */
export function pointBiserial(values: readonly number[], positive: readonly boolean[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const labels = positive.map((p) => (p ? 1 : 0));
  const mx = mean(values);
  const my = mean(labels);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (values[i] - mx) * (labels[i] - my);
    sxx += (values[i] - mx) ** 2;
    syy += (labels[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}
