import { median, spread } from '../../stats';
import { Measurements, value, scalar } from '../measurements';
import type { PerfRaw, Value } from '../types';

/** The diffusion model: the infill, its denoising steps, and restricted vs full vocabulary projections. */
export function diffusionMeasurements(raw: PerfRaw, { add }: Measurements): void {
  const { floorDiffusion, serverDiffusion, hfDiffusion } = raw;
  const fd = floorDiffusion?.diffusion;
  const hd = hfDiffusion?.diffusion;
  add({
    id: 'diffusion.infill',
    label: `diffusion infill (p2, ${serverDiffusion?.forwards ?? hd?.infill_forwards ?? fd?.infillForwards} forwards, greedy)`,
    unit: 'ms',
    better: 'lower',
    ours: value(serverDiffusion?.infillMs),
    floor: value(fd?.infillMs),
    transformers: value(hd?.infill_ms),
  });
  add({
    id: 'diffusion.step',
    label: 'diffusion time per denoising step inside the infill (forward + sampling)',
    unit: 'ms',
    better: 'lower',
    ours: serverDiffusion?.stepMs.length
      ? { value: median(serverDiffusion.stepMs), spread: spread(serverDiffusion.stepMs) }
      : undefined,
    // Without its own infill loop (full runs skip it to save minutes) the floor's step is one restricted forward.
    floor: value(fd?.infillStepMs.length ? fd.infillStepMs : fd?.stepRestrictedMs),
    transformers: scalar(hd && median(hd.infill_ms) / hd.infill_forwards),
    note:
      'server: between streamed progress events; floor: its infill loop, or one forward on the sampled rows + ' +
      'argmax when the run skipped that loop; transformers: infill time / forwards (logits for every position)',
  });
  if (serverDiffusion?.afterLastStepMs.length && serverDiffusion.stepMs.length) {
    const tail = value(serverDiffusion.afterLastStepMs) as Value;
    add(
      {
        id: 'diffusion.after_last_step',
        label:
          'diffusion-server: last denoising step to the end of the infill (its one-shot self-score forward)',
        unit: 'ms',
        better: 'lower',
        ours: tail,
      },
      { vsStep: tail.value / median(serverDiffusion.stepMs) },
    );
  }
  if (fd) {
    const restricted = value(fd.stepRestrictedMs) as Value;
    const full = value(fd.stepFullMs) as Value;
    add(
      {
        id: 'diffusion.forward_restricted_rows',
        label: `diffusion forward (${fd.canvasTokens} tokens), vocabulary projection on the ${raw.counts.diffusionMiddle} sampled rows only (logits_rows)`,
        unit: 'ms',
        better: 'lower',
        floor: restricted,
        transformers: value(hd?.step_restricted_ms),
      },
      {},
    );
    add(
      {
        id: 'diffusion.forward_full_logits',
        label: `diffusion forward (${fd.canvasTokens} tokens), logits for every position`,
        unit: 'ms',
        better: 'lower',
        floor: full,
        transformers: value(hd?.step_full_ms),
      },
      {
        fullVsRestrictedFloor: full.value / restricted.value,
        fullVsRestrictedTransformers: hd
          ? median(hd.step_full_ms) / median(hd.step_restricted_ms)
          : undefined,
      },
    );
  }
}
