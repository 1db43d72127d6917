import { median } from '../../stats';
import { Measurements, value } from '../measurements';
import type { PerfRaw, Value } from '../types';

/** The orchestrator's Infill against each backend's own Generate + Score. */
export function ensembleMeasurements(raw: PerfRaw, { add }: Measurements): void {
  const { ensemble } = raw;
  if (ensemble && ensemble.infillMs.length) {
    const slower = ensemble.arOwnMs.map((a, i) => Math.max(a, ensemble.diffusionOwnMs[i]));
    const sum = ensemble.arOwnMs.map((a, i) => a + ensemble.diffusionOwnMs[i]);
    const infill = value(ensemble.infillMs) as Value;
    add(
      {
        id: 'ensemble.infill',
        label: 'orchestrator Infill wall time',
        unit: 'ms',
        better: 'lower',
        ours: infill,
        note: ensemble.lostBackends.length
          ? `${ensemble.lostBackends.length} Infill(s) repeated: the orchestrator had marked a busy backend down`
          : undefined,
      },
      {
        vsSlowerBackendOwn: infill.value / median(slower),
        vsBothBackendsSerial: infill.value / median(sum),
      },
    );
    add({
      id: 'ensemble.ar_own',
      label: 'ar-server alone: Generate + fim + prefix_only Score',
      unit: 'ms',
      better: 'lower',
      ours: value(ensemble.arOwnMs),
    });
    add({
      id: 'ensemble.diffusion_own',
      label: 'diffusion-server alone: Generate + masked_one_shot Score',
      unit: 'ms',
      better: 'lower',
      ours: value(ensemble.diffusionOwnMs),
    });
    add({
      id: 'ensemble.orchestrator_overhead',
      label: 'Infill wall time minus the orchestrator-measured generate + score phases',
      unit: 'ms',
      better: 'lower',
      ours: value(
        ensemble.infillMs.map((ms, i) =>
          Math.max(ms - ensemble.generatePhaseMs[i] - ensemble.scorePhaseMs[i], 0.001),
        ),
      ),
    });
  }
}
