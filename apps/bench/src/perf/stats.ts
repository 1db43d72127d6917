/** Summary of repeated timings: the median is the headline, the rest shows the spread. */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('no samples to summarise');
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
  };
}

export function median(samples: readonly number[]): number {
  return spread(samples).median;
}

/** Milliseconds of `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const startedAt = performance.now();
  const value = await fn();
  return { ms: performance.now() - startedAt, value };
}
