import { Resvg } from '@resvg/resvg-js';
import type { JudgedTask } from '@ensemble/evaluation';
import {
  buildCharts,
  calibrationChart,
  MAX_POINTS_PER_STRIP,
  perplexityHistogramChart,
  perplexityVsCorrectnessChart,
  selectionRateChart,
} from './charts';
import type { ReportInput } from './data';
import { syntheticInput, syntheticTasks } from './testing/fixture';
import { assertWellFormedXml } from './testing/xml';

function expectValidSvg(svg: string): void {
  assertWellFormedXml(svg);
  expect(() => new Resvg(svg).render()).not.toThrow();
}

const circles = (svg: string) => (svg.match(/<circle /g) ?? []).length;

function emptyInput(): ReportInput {
  return {
    title: 'empty',
    runId: 'r',
    createdAt: '',
    config: {},
    metrics: {
      dataset: 'humaneval-single-line',
      tasks: 0,
      failedTasks: 0,
      counts: { tasks: 0 },
      rates: {},
      rules: [],
    },
    tasks: [],
  };
}

function task(perplexities: Record<string, number>, correct: boolean, backend = 'ar', index = 0): JudgedTask {
  return {
    taskId: `t${index}`,
    index,
    canonicalMiddle: 'x',
    candidates: [{ backend, completion: 'x', correct: { execution: correct }, perplexities }],
    selections: {},
  };
}

describe('charts', () => {
  it('are well-formed SVG documents with unique names, for both datasets', () => {
    for (const input of [syntheticInput(30), syntheticInput(30, 'santacoder-fim-py')]) {
      const charts = buildCharts(input);
      expect(new Set(charts.map((c) => c.name)).size).toBe(charts.length);
      for (const chart of charts) {
        expectValidSvg(chart.svg);
        expect(chart.svg).toContain(`<title id="${chart.name}-title">`);
        expect(chart.svg).not.toContain('no data');
      }
    }
    expect(buildCharts(syntheticInput(30, 'santacoder-fim-py')).map((c) => c.name)).toEqual([
      'perplexity-vs-correctness-em_first_line',
      'perplexity-vs-correctness-em_whole',
      'selection-rate',
      'calibration-em_first_line',
      'calibration-em_whole',
      'perplexity-histograms',
    ]);
  });

  it('are deterministic', () => {
    expect(buildCharts(syntheticInput(50))).toEqual(buildCharts(syntheticInput(50)));
  });

  it('say "no data" for a run without tasks or rules', () => {
    const charts = buildCharts(emptyInput());
    expect(charts.map((c) => c.name)).toEqual([
      'perplexity-vs-correctness',
      'selection-rate',
      'calibration',
      'perplexity-histograms',
    ]);
    for (const chart of charts) {
      expectValidSvg(chart.svg);
      expect(chart.svg).toContain('>no data</text>');
    }
  });

  it('say "no data" for rules without systems, calibration bins or verdicts', () => {
    const input = syntheticInput(0);
    input.metrics.rules = input.metrics.rules.map((r) => ({
      ...r,
      systems: [],
      calibration: [],
      perplexity: [],
    }));
    for (const chart of buildCharts(input)) {
      expectValidSvg(chart.svg);
      expect(chart.svg).toContain('>no data</text>');
    }
    const emptyBins = calibrationChart('execution', [
      { predictor: 'p', bins: [{ lower: 0, upper: 1, count: 0, meanPredicted: NaN, observed: NaN }] },
    ]);
    expect(emptyBins.svg).toContain('>no data</text>');
  });

  it('survive NaN, Infinity, zero and negative perplexities', () => {
    const tasks = [
      task({ 'ar/fim': NaN, 'ar/prefix_only': Infinity }, true, 'ar', 0),
      task({ 'ar/fim': 0, 'ar/prefix_only': -1 }, false, 'ar', 1),
      task({ 'ar/fim': Infinity }, false, 'ar', 2),
    ];
    const strip = perplexityVsCorrectnessChart(tasks, 'execution');
    expectValidSvg(strip.svg);
    expect(strip.svg).toContain('>∞</text>'); // the band of infinite perplexities
    expect(strip.svg).toContain('NaN/invalid perplexities omitted');
    expect(strip.svg).not.toMatch(/NaN"|Infinity"/); // no non-finite coordinate
    const histogram = perplexityHistogramChart(tasks);
    expectValidSvg(histogram.svg);
    expect(histogram.svg).toContain('no finite perplexity');

    const mixed = perplexityHistogramChart([
      ...tasks,
      task({ 'ar/fim': 3, 'ar/prefix_only': 3 }, true, 'ar', 3),
    ]);
    expectValidSvg(mixed.svg);
    expect(mixed.svg).not.toContain('>no data</text>');
    expect(mixed.svg).toContain('+1 ∞');
    expect(mixed.svg).not.toMatch(/NaN"|Infinity"/);
  });

  it('handle a single distinct perplexity (zero-width range)', () => {
    const tasks = [task({ 'ar/fim': 5 }, true, 'ar', 0), task({ 'ar/fim': 5 }, false, 'ar', 1)];
    for (const chart of [perplexityVsCorrectnessChart(tasks, 'execution'), perplexityHistogramChart(tasks)]) {
      expectValidSvg(chart.svg);
      expect(chart.svg).not.toMatch(/NaN"|Infinity"/);
    }
  });

  it('thin the dots of large runs but keep the boxes', () => {
    const rules = ['execution'];
    const big = perplexityVsCorrectnessChart(syntheticTasks(3000, rules), 'execution');
    expectValidSvg(big.svg);
    // 2 generators x 3 scorers x 2 strips, each capped.
    expect(circles(big.svg)).toBeLessThanOrEqual(12 * MAX_POINTS_PER_STRIP);
    expect(big.svg).toContain(`at most ${MAX_POINTS_PER_STRIP} dots drawn per strip`);
    expect(big.svg.length).toBeLessThan(1_000_000);
    const small = perplexityVsCorrectnessChart(syntheticTasks(20, rules), 'execution');
    expect(circles(small.svg)).toBe(20 * 2 * 3);
  });

  it('stack the selection rate of each strategy', () => {
    const chart = selectionRateChart(syntheticInput(20));
    expectValidSvg(chart.svg);
    for (const s of ['ensemble:seed', 'ensemble:fim', 'ensemble:cross'])
      expect(chart.svg).toContain(`>${s}</text>`);
    expect(chart.svg).toContain('<title>ensemble:cross: ar 70%</title>');
    expect(chart.svg).toContain('<title>ensemble:cross: diffusion 30%</title>');
  });

  it('draw a reliability curve with the diagonal', () => {
    const input = syntheticInput(20);
    const chart = calibrationChart('execution', input.metrics.rules[0].calibration);
    expectValidSvg(chart.svg);
    expect(chart.svg).toContain('stroke-dasharray="5 4"');
    expect(circles(chart.svg)).toBe(5);
    expect(chart.svg).toContain('<polyline');
  });

  it('escape names from the data', () => {
    const tasks = [task({ 'a<b>/m&': 2 }, true, '"><script>x</script>', 0)];
    for (const chart of [perplexityVsCorrectnessChart(tasks, 'execution'), perplexityHistogramChart(tasks)]) {
      expectValidSvg(chart.svg);
      expect(chart.svg).not.toContain('<script>');
    }
  });
});
