import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, BenchResult } from './bench-cli';

/** Every number below `node` (recursively), with its JSON path. */
function numbersIn(node: unknown, path = '$'): Array<[string, number]> {
  if (typeof node === 'number') return [[path, node]];
  if (Array.isArray(node)) return node.flatMap((item, i) => numbersIn(item, `${path}[${i}]`));
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([key, value]) => numbersIn(value, `${path}.${key}`));
  return [];
}

const SYSTEMS = ['ours', 'floor', 'transformers'] as const;

// Structure only: timings on a shared CI machine are not asserted (docs/perf.md has the measured numbers).
describe('bench perf --quick (built CLI, small random model)', () => {
  const results = mkdtempSync(join(tmpdir(), 'perf-'));
  const dir = join(results, 'quick');
  let run: BenchResult;
  let report: {
    format: string;
    formatVersion: number;
    quick: boolean;
    machine: { cpus: number; memTotalBytes: number; loadAverageAtStart: number[] };
    models: { key: string; weightsBytes: { ar: number; diffusion: number } };
    measurements: Array<{
      id: string;
      unit: string;
      better: string;
      ours?: { value: number };
      floor?: { value: number };
      transformers?: { value: number };
      ratios: Record<string, number>;
    }>;
    targets: Array<{ id: string; measured: number; threshold: number; met: boolean }>;
    raw: object;
  };

  beforeAll(async () => {
    // A fresh cache folder: the run builds its random checkpoint and both model directories itself.
    run = await bench([
      'perf',
      '--quick',
      '--results-dir',
      results,
      '--run-id',
      'quick',
      '--cache-dir',
      join(results, 'cache'),
    ]);
    if (run.code !== 0) throw new Error(`bench perf failed (${run.code}):\n${run.stderr.slice(-4000)}`);
    report = JSON.parse(readFileSync(join(dir, 'perf.json'), 'utf8'));
  }, 1_200_000);

  it('writes perf.json and perf.md into the run folder and prints the table', () => {
    expect(existsSync(join(dir, 'perf.md'))).toBe(true);
    expect(run.stdout).toContain(
      '| measurement | unit | ours (gRPC servers) | floor (ORT loop) | transformers |',
    );
    expect(run.stdout).toContain('| target | measured | required | met |');
    expect(report).toMatchObject({ format: 'ensemble-perf', formatVersion: 1, quick: true });
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.models.key).toMatch(/^quick-[0-9a-f]{12}-seed7-export/);
  });

  it('measures every system on every part of the issue', () => {
    const ids = report.measurements.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'machine.bandwidth',
        'ar.ttft',
        'ar.decode_ms_per_token',
        'ar.decode_vs_bandwidth',
        'ar.concurrent_tokens_per_s',
        'diffusion.infill',
        'diffusion.step',
        'diffusion.forward_restricted_rows',
        'diffusion.forward_full_logits',
        'score.ar_fim',
        'score.diffusion_one_shot',
        'ensemble.infill',
        'memory.ar_server_peak_rss',
        'memory.diffusion_server_peak_rss',
        'load.ar',
        'load.diffusion',
      ]),
    );
    const byId = Object.fromEntries(report.measurements.map((m) => [m.id, m]));
    // The three-way comparisons have all three sides.
    for (const id of [
      'ar.ttft',
      'ar.decode_ms_per_token',
      'diffusion.infill',
      'score.ar_fim',
      'score.diffusion_one_shot',
    ]) {
      for (const system of SYSTEMS)
        expect([id, system, byId[id][system]?.value]).toEqual([id, system, expect.any(Number)]);
      expect(Object.keys(byId[id].ratios).sort()).toEqual(['oursVsFloor', 'oursVsTransformers']);
    }
    expect(Object.keys(byId['ar.concurrent_tokens_per_s'].ratios)).toContain('oursVsSingleRequest');
    expect(Object.keys(byId['ensemble.infill'].ratios)).toContain('vsSlowerBackendOwn');
    expect(Object.keys(byId['memory.ar_server_peak_rss'].ratios).sort()).toEqual([
      'afterLoadVsWeights',
      'anonymousAtEndVsWeights',
      'vsWeights',
    ]);
    // Both weight layouts of the memory target are measured on the real server.
    expect(byId['layout.no_prepack_server_peak_rss'].ratios.vsWeights).toEqual(expect.any(Number));
    expect(byId['layout.no_prepack_decode_ms_per_token'].ours?.value).toEqual(expect.any(Number));
    expect(report.targets.map((t) => t.id)).toEqual(
      expect.arrayContaining([
        'server_vs_floor_decode',
        'decode_vs_bandwidth',
        'concurrent_vs_single',
        'diffusion_vs_transformers',
        'restricted_rows_faster',
        'ensemble_overhead',
        'ar_server_rss',
        'diffusion_server_rss',
        'ar_server_rss_no_prepack',
      ]),
    );
    for (const target of report.targets) expect(typeof target.met).toBe('boolean');
  });

  it('every measurement, spread, ratio and target value is a finite positive number', () => {
    const numbers = [
      ...numbersIn(report.measurements, '$.measurements'),
      ...numbersIn(report.targets, '$.targets'),
    ]
      // a spread's sample count is a count, not a measurement
      .filter(([path]) => !path.endsWith('.n'));
    expect(numbers.length).toBeGreaterThan(50);
    const bad = numbers.filter(([, value]) => !(Number.isFinite(value) && value > 0));
    expect(bad).toEqual([]);
  });
});
