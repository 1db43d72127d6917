import type { Measurement, Target, Unit, Value } from './types';

function fmt(x: number | undefined, unit?: Unit): string {
  if (x === undefined) return '';
  if (unit === 'x') return `${x.toFixed(2)}x`;
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return x.toFixed(digits);
}

const RATIO_NAMES: Record<string, string> = {
  oursVsFloor: 'ours/floor',
  oursVsTransformers: 'ours/transformers',
  oursVsSingleRequest: 'vs single request',
  oursVsSingleRequestDecode: 'vs single-request decode',
  oursVsGreedy: 'vs greedy',
  fullVsRestrictedFloor: 'full/restricted (floor)',
  fullVsRestrictedTransformers: 'full/restricted (transformers)',
  vsSlowerBackendOwn: 'vs slower backend alone',
  vsBothBackendsSerial: 'vs both backends one after the other',
  vsWeights: 'vs weights',
  oursVsExternalData: 'ours vs external-data layout',
  floorVsExternalData: 'floor vs external-data layout',
  floorVsDefault: 'floor vs default options',
  oursVsDefault: 'ours vs default options',
  afterLoadVsWeights: 'after load vs weights',
  anonymousAtEndVsWeights: 'anonymous (not file-backed) at end vs weights',
  vsStep: 'vs one step',
};

/** A cell: the median, then the p10–p90 spread when there were several samples. */
function cell(v: Value | undefined, unit: Unit): string {
  if (!v) return '';
  const range = v.spread && v.spread.n > 1 ? ` (${fmt(v.spread.p10)}–${fmt(v.spread.p90)})` : '';
  return fmt(v.value, unit) + range;
}

/** The Markdown table of a run (printed and written as perf.md). */
export function markdownTable(measurements: Measurement[], targetList: Target[]): string {
  const lines = [
    'Medians; in parentheses the p10–p90 spread over repetitions (or steps). Ratios are ours / anchor unless named.',
    '',
    '| measurement | unit | ours (gRPC servers) | floor (ORT loop) | transformers | ratios |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const m of measurements) {
    const ratio = Object.entries(m.ratios)
      .map(([k, v]) => `${RATIO_NAMES[k] ?? k} ${v.toFixed(2)}`)
      .join('; ');
    lines.push(
      `| ${m.label} | ${m.unit} | ${cell(m.ours, m.unit)} | ${cell(m.floor, m.unit)} | ` +
        `${cell(m.transformers, m.unit)} | ${ratio} |`,
    );
  }
  lines.push('', '| target | measured | required | met |', '| --- | --- | --- | --- |');
  for (const t of targetList) {
    lines.push(
      `| ${t.description} | ${t.measured.toFixed(2)} | ${t.comparison} ${t.threshold} | ${t.met ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n') + '\n';
}
