/**
 * The unbiased pass@k estimator of Chen et al. (2021): for a task with n samples of which c are correct,
 * 1 - C(n-c, k) / C(n, k), computed as a running product so it never overflows; 1 when n - c < k.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || k < 1) {
    throw new RangeError(`pass@k needs integers n >= 1, k >= 1; got n=${n}, c=${c}, k=${k}`);
  }
  if (c < 0 || c > n) throw new RangeError(`pass@k needs 0 <= c <= n; got n=${n}, c=${c}`);
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples per task; got ${n}`);
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/** The k of the standard report (1, 10, 100) that every task's sample count allows. */
export function reportableKs(sampleCounts: readonly number[]): number[] {
  if (sampleCounts.length === 0) return [];
  const fewest = Math.min(...sampleCounts);
  return [1, 10, 100].filter((k) => k <= fewest);
}

/** pass@k for each reportable k, averaged over tasks; keys "pass@1", "pass@10", "pass@100". */
export function passAtKSummary(tasks: ReadonlyArray<{ n: number; c: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of reportableKs(tasks.map((t) => t.n))) {
    out[`pass@${k}`] = tasks.reduce((sum, t) => sum + passAtK(t.n, t.c, k), 0) / tasks.length;
  }
  return out;
}
