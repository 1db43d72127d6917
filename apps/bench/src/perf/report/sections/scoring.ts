import { Measurements, value } from '../measurements';
import type { PerfRaw } from '../types';

/** Candidates scored per second: AR fim mode and diffusion one-shot mode. */
export function scoringMeasurements(raw: PerfRaw, { add }: Measurements): void {
  const { serverAr, serverDiffusion } = raw;
  const fa = raw.floorAr?.ar;
  const ha = raw.hfAr?.ar;
  const fd = raw.floorDiffusion?.diffusion;
  const hd = raw.hfDiffusion?.diffusion;
  const rate = (count: number | undefined, samples: number[] | undefined) =>
    count && samples?.length ? value(samples, (ms) => (count / ms) * 1000) : undefined;
  add({
    id: 'score.ar_fim',
    label: 'AR Score, fim mode (candidates/s)',
    unit: 'candidates/s',
    better: 'higher',
    ours: rate(raw.counts.arScoreCandidates, serverAr?.scoreMs),
    floor: rate(raw.counts.arScoreCandidates, fa?.scoreMs),
    transformers: rate(raw.counts.arScoreCandidates, ha?.score_ms),
    note: 'floor and transformers: one forward per candidate over prompt + candidate; server: prompt once, candidates batched on its cache',
  });
  add({
    id: 'score.diffusion_one_shot',
    label: 'diffusion Score, masked one-shot (candidates/s)',
    unit: 'candidates/s',
    better: 'higher',
    ours: rate(raw.counts.diffusionScoreCandidates, serverDiffusion?.scoreMs),
    floor: rate(raw.counts.diffusionScoreCandidates, fd?.scoreMs),
    transformers: rate(raw.counts.diffusionScoreCandidates, hd?.score_ms),
  });
}
