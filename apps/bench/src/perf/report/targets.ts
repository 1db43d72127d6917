import type { Measurement, Target } from './types';

/** The targets, each from the measurements it is about (missing measurements leave it out). */
export function targets(list: Measurement[]): Target[] {
  const find = (id: string) => list.find((m) => m.id === id);
  const out: Target[] = [];
  const target = (
    id: string,
    description: string,
    measured: number | undefined,
    comparison: Target['comparison'],
    threshold: number,
  ) => {
    if (measured === undefined || !Number.isFinite(measured)) return;
    const met = comparison === '<=' ? measured <= threshold : measured >= threshold;
    out.push({ id, description, measured, comparison, threshold, met });
  };
  target(
    'server_vs_floor_ttft',
    'gRPC server TTFT within 5% of the floor',
    find('ar.ttft')?.ratios.oursVsFloor,
    '<=',
    1.05,
  );
  target(
    'server_vs_floor_decode',
    'gRPC server batch-1 decode within 5% of the floor',
    find('ar.decode_ms_per_token')?.ratios.oursVsFloor,
    '<=',
    1.05,
  );
  target(
    'decode_vs_bandwidth',
    'batch-1 decode (server) within 1.25x of the memory-bandwidth floor',
    find('ar.decode_vs_bandwidth')?.ours?.value,
    '<=',
    1.25,
  );
  target(
    'concurrent_vs_single',
    '8 concurrent requests >= 4x the single-request rate (end to end)',
    find('ar.concurrent_tokens_per_s')?.ratios.oursVsSingleRequest,
    '>=',
    4,
  );
  const infill = find('diffusion.infill');
  target(
    'diffusion_vs_transformers',
    'diffusion infill >= 2x faster than the transformers reference loop',
    infill?.ratios.oursVsTransformers && 1 / infill.ratios.oursVsTransformers,
    '>=',
    2,
  );
  const full = find('diffusion.forward_full_logits');
  const restricted = find('diffusion.forward_restricted_rows');
  // "Measurably": at least 5% and the spreads do not overlap.
  const separated =
    full?.floor?.spread && restricted?.floor?.spread
      ? full.floor.spread.min > restricted.floor.spread.max
      : true;
  target(
    'restricted_rows_faster',
    'row-restricted vocabulary projection measurably faster than full logits (>= 1.05x, no overlap)',
    full?.ratios.fullVsRestrictedFloor !== undefined
      ? separated
        ? full.ratios.fullVsRestrictedFloor
        : Math.min(full.ratios.fullVsRestrictedFloor, 1)
      : undefined,
    '>=',
    1.05,
  );
  target(
    'ensemble_overhead',
    "ensemble Infill within 10% of the slower backend's own Generate + Score",
    find('ensemble.infill')?.ratios.vsSlowerBackendOwn,
    '<=',
    1.1,
  );
  target(
    'ar_server_rss',
    'ar-server peak RSS < 1.3x its weights',
    find('memory.ar_server_peak_rss')?.ratios.vsWeights,
    '<=',
    1.3,
  );
  target(
    'ar_server_rss_no_prepack',
    'ar-server peak RSS < 1.3x its weights with ORT_PREPACK_WEIGHTS=false (the memory-saving option)',
    find('layout.no_prepack_server_peak_rss')?.ratios.vsWeights,
    '<=',
    1.3,
  );
  target(
    'diffusion_server_rss',
    'diffusion-server peak RSS < 1.3x its weights',
    find('memory.diffusion_server_peak_rss')?.ratios.vsWeights,
    '<=',
    1.3,
  );
  return out;
}
