/**
 * Unmasking schedules, in float32 exactly as the reference computes them (float64 gives different counts:
 * N = 108, steps = 12, i = 4 -> 62 vs 63).
 */
const f = Math.fround;

/**
 * p2: how many middle positions stay (or become) masked after step i: `1 - (i+1)/steps` is a Python double that
 * torch rounds once to float32, then N * that in float32, then floor. (Checked against torch by the Python
 * reference in tools/export; other readings, e.g. rounding kappa first, differ on tens of thousands of (N, steps).)
 */
export function p2MaskedAfter(initialMasks: number, step: number, steps: number): number {
  return Math.floor(f(f(initialMasks) * f(1 - (step + 1) / steps)));
}

/**
 * torch.linspace(start, end, count) in float32 as its CPU kernel computes it: a float32 step, the first half
 * counted up from start and the second half down from end, each element one fused multiply-add (the product is
 * not rounded on its own; a double holds it exactly).
 */
export function linspaceFloat32(start: number, end: number, count: number): number[] {
  if (count === 1) return [f(start)];
  const first = f(start);
  const last = f(end);
  const step = f(f(last - first) / f(count - 1));
  const halfway = Math.floor(count / 2);
  return Array.from({ length: count }, (_, i) =>
    i < halfway ? f(first + step * i) : f(last - step * (count - i - 1)),
  );
}

/** maskgit family: ts = linspace(1, 1e-3, steps + 1). */
export function maskgitTimesteps(steps: number): number[] {
  return linspaceFloat32(1, 1e-3, steps + 1);
}

/** maskgit family: masked positions to commit at step i (all of them on the last step). */
export function maskgitTransfers(
  maskedNow: number,
  step: number,
  steps: number,
  timesteps: number[],
): number {
  if (step === steps - 1) return maskedNow;
  const t = timesteps[step];
  const s = timesteps[step + 1];
  return Math.trunc(f(f(maskedNow) * f(1 - f(s / t))));
}

/** origin: probability that a masked position is committed at step i. */
export function originTransferProbability(step: number, steps: number, timesteps: number[]): number {
  return step === steps - 1 ? 1 : f(1 - f(timesteps[step + 1] / timesteps[step]));
}
