import { median, spread } from '../stats';
import type { Measurement, Value } from './types';

export const mb = (bytes: number) => bytes / 1e9;

/** The median of finite samples (after `map`), with their spread when there are several. */
export function value(
  samples: readonly number[] | undefined,
  map: (x: number) => number = (x) => x,
): Value | undefined {
  const mapped = (samples ?? []).map(map).filter((x) => Number.isFinite(x));
  if (mapped.length === 0) return undefined;
  return mapped.length > 1 ? { value: median(mapped), spread: spread(mapped) } : { value: mapped[0] };
}

export const scalar = (x: number | undefined): Value | undefined =>
  x === undefined || !Number.isFinite(x) ? undefined : { value: x };

function ratios(m: Omit<Measurement, 'ratios'>): Record<string, number> {
  const out: Record<string, number> = {};
  if (m.ours && m.floor) out.oursVsFloor = m.ours.value / m.floor.value;
  if (m.ours && m.transformers) out.oursVsTransformers = m.ours.value / m.transformers.value;
  return out;
}

/** The measurements of one run, in table order; a measurement no system produced is left out. */
export class Measurements {
  readonly list: Measurement[] = [];

  /** Adds `m` with ours/floor and ours/transformers, plus the finite `extra` ratios. */
  readonly add = (m: Omit<Measurement, 'ratios'>, extra: Record<string, number | undefined> = {}): void => {
    if (!m.ours && !m.floor && !m.transformers) return;
    const r = ratios(m);
    for (const [k, v] of Object.entries(extra)) if (v !== undefined && Number.isFinite(v)) r[k] = v;
    this.list.push({ ...m, ratios: r });
  };

  /** A process's peak RSS (GB) against the weights, with its after-load and private (anonymous) shares. */
  readonly memory = (
    id: string,
    label: string,
    bytes: number | undefined,
    weights: number,
    afterLoad?: number,
    anon?: number,
  ): void => {
    if (!bytes) return;
    this.add(
      { id, label, unit: 'GB', better: 'lower', ours: { value: mb(bytes) } },
      {
        vsWeights: bytes / weights,
        afterLoadVsWeights: afterLoad ? afterLoad / weights : undefined,
        anonymousAtEndVsWeights: anon ? anon / weights : undefined,
      },
    );
  };
}
