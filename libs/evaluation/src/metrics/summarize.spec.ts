import { summarize } from './summarize';
import type { JudgedCandidate, JudgedTask } from './types';

const cand = (backend: string, ok: boolean, ppl: number): JudgedCandidate => ({
  backend,
  completion: `${backend}-${ok}`,
  correct: { execution: ok },
  perplexities: { 'ar/fim': ppl },
});

/** Four tasks: ar right on 0, 1; diffusion right on 1, 2; nobody on 3. */
const tasks: JudgedTask[] = [
  [true, false],
  [true, true],
  [false, true],
  [false, false],
].map(([ar, diffusion], index) => ({
  taskId: `t${index}`,
  index,
  canonicalMiddle: '',
  candidates: [cand('ar', ar, ar ? 1.5 : 4), cand('diffusion', diffusion, diffusion ? 2 : 5)],
  // "first" always picks ar; "smart" picks the right one where there is one.
  selections: { first: 0, smart: diffusion && !ar ? 1 : 0 },
}));

describe('summarize', () => {
  const metrics = summarize('humaneval-single-line', tasks, 1);
  const rule = metrics.rules[0];
  const byName = Object.fromEntries(rule.systems.map((s) => [s.name, s]));

  it('counts each model, strategy and the oracle ceiling', () => {
    expect(metrics.counts).toEqual({ tasks: 4, passed: 2 });
    expect(metrics.failedTasks).toBe(1);
    expect(byName.ar).toMatchObject({ kind: 'model', correct: 2, tasks: 4, rate: 0.5 });
    expect(byName.diffusion).toMatchObject({ correct: 2 });
    expect(byName.oracle).toMatchObject({ kind: 'oracle', correct: 3, rate: 0.75 });
    expect(byName['ensemble:smart']).toMatchObject({ correct: 3 });
  });

  it('selection efficiency is (strategy - best single) / (oracle - best single)', () => {
    expect(byName['ensemble:first'].efficiency).toBeCloseTo(0, 12);
    expect(byName['ensemble:smart'].efficiency).toBeCloseTo(1, 12);
    expect(byName['ensemble:smart'].selectionRate).toEqual({ ar: 0.75, diffusion: 0.25 });
  });

  it('perplexity statistics per generator and scorer', () => {
    const ar = rule.perplexity.find((p) => p.generator === 'ar' && p.scorer === 'ar/fim');
    expect(ar).toMatchObject({ count: 4, mean: (1.5 + 1.5 + 4 + 4) / 4, median: 2.75, auroc: 1 });
    expect(ar?.pointBiserial).toBeCloseTo(-1, 12);
    expect(rule.calibration[0].predictor).toBe('ar/fim');
    expect(rule.calibration[0].bins.reduce((n, b) => n + b.count, 0)).toBe(8);
  });

  it('SantaCoder is judged under both exact-match rules', () => {
    const santa = summarize('santacoder-fim-py', []);
    expect(santa.rules.map((r) => r.rule)).toEqual(['em_first_line', 'em_whole']);
    expect(santa.counts).toEqual({ tasks: 0, exactMatchFirstLine: 0, exactMatchWhole: 0 });
  });
});
