import { quantile } from '@ensemble/evaluation';

/** Summary of repeated timings: the median is the headline, the rest shows the spread. */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
}

export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('no samples to summarise');
  return {
    n: samples.length,
    median: quantile(samples, 0.5),
    min: Math.min(...samples),
    max: Math.max(...samples),
    p10: quantile(samples, 0.1),
    p90: quantile(samples, 0.9),
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
