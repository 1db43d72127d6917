import { Measurements } from './measurements';
import { arMeasurements } from './sections/autoregressive';
import { diffusionMeasurements } from './sections/diffusion';
import { ensembleMeasurements } from './sections/ensemble';
import { layoutMeasurements } from './sections/layout';
import { memoryMeasurements } from './sections/memory';
import { scoringMeasurements } from './sections/scoring';
import { targets } from './targets';
import type { Measurement, PerfRaw, Target } from './types';

/** Turns raw numbers into the measurements (medians, spreads, ratios) and the targets. */
export function analyse(raw: PerfRaw): { measurements: Measurement[]; targets: Target[] } {
  const measurements = new Measurements();
  for (const section of [
    arMeasurements,
    diffusionMeasurements,
    scoringMeasurements,
    ensembleMeasurements,
    memoryMeasurements,
    layoutMeasurements,
  ]) {
    section(raw, measurements);
  }
  return { measurements: measurements.list, targets: targets(measurements.list) };
}
