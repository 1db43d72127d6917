// Spec helpers (not exported from the lib): a deterministic synthetic run, built by hand rather than by the
// metrics code, so the report's specs do not depend on it.
import type { EvaluationMetrics, JudgedTask, RuleMetrics, SystemResult } from '@ensemble/evaluation';
import type { ReportInput } from '../data';

export const XSS = '</script><img src=x onerror=alert(1)>';

/** Small deterministic generator (LCG) in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SCORERS = ['ar/fim', 'ar/prefix_only', 'diffusion/masked_one_shot'];
const STRATEGIES = ['seed', 'fim', 'cross'];

export function syntheticTasks(count: number, rules: string[], seed = 1): JudgedTask[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, index) => {
    const candidates = ['ar', 'diffusion'].map((backend) => {
      const ok = r() < (backend === 'ar' ? 0.6 : 0.45);
      const perplexities: Record<string, number> = {};
      for (const s of SCORERS) perplexities[s] = Math.exp((ok ? 0.6 : 1.4) + r() * 1.5);
      return {
        backend,
        completion:
          index === 3 && backend === 'ar' ? XSS : `x_${index} = f(${backend}, "a & b")\n    return x`,
        correct: Object.fromEntries(rules.map((rule, i) => [rule, i === 0 ? ok : ok && r() < 0.7])),
        perplexities,
      };
    });
    const selections: Record<string, number> = {};
    STRATEGIES.forEach((s, i) => (selections[s] = (index + i) % 2));
    return {
      taskId: `SingleLineInfilling/HumanEval/${(index * 7) % count}/L${index % 5}`,
      index,
      canonicalMiddle: `x_${index} = g()`,
      candidates,
      selections,
    };
  });
}

function system(name: string, kind: SystemResult['kind'], correct: number, tasks: number): SystemResult {
  return {
    name,
    kind,
    tasks,
    correct,
    rate: tasks ? correct / tasks : 0,
    passAtK: { 'pass@1': tasks ? correct / tasks : 0 },
  };
}

export function syntheticRule(rule: RuleMetrics['rule'], tasks: number): RuleMetrics {
  const strategies = STRATEGIES.map((s, i) => ({
    ...system(`ensemble:${s}`, 'strategy', Math.round(tasks * (0.55 + i * 0.05)), tasks),
    efficiency: i === 0 ? null : 0.25 * i,
    selectionRate: { ar: 0.5 + 0.1 * i, diffusion: 0.5 - 0.1 * i },
  }));
  return {
    rule,
    systems: [
      system('ar', 'model', Math.round(tasks * 0.6), tasks),
      system('diffusion', 'model', Math.round(tasks * 0.45), tasks),
      ...strategies,
      system('oracle', 'oracle', Math.round(tasks * 0.8), tasks),
    ],
    bestSingle: 'ar',
    perplexity: [
      {
        generator: 'ar',
        scorer: 'ar/fim',
        count: tasks,
        mean: 3.2,
        median: 2.9,
        auroc: 0.71,
        pointBiserial: -0.3,
      },
    ],
    calibration: [
      {
        predictor: 'ar/fim',
        bins: [0.1, 0.3, 0.5, 0.7, 0.9].map((p, i) => ({
          lower: i * 0.2,
          upper: (i + 1) * 0.2,
          count: 5 + i,
          meanPredicted: p,
          observed: Math.min(1, p + 0.05),
        })),
      },
    ],
  };
}

export function syntheticInput(
  count = 24,
  dataset: EvaluationMetrics['dataset'] = 'humaneval-single-line',
): ReportInput {
  const rules: Array<RuleMetrics['rule']> =
    dataset === 'santacoder-fim-py' ? ['em_first_line', 'em_whole'] : ['execution'];
  return {
    title: 'Synthetic run',
    runId: 'run-2024-01-01',
    createdAt: '2024-01-01T00:00:00Z',
    config: { models: { ar: 'tiny-ar', diffusion: 'tiny-diffusion' }, note: XSS },
    metrics: {
      dataset,
      tasks: count,
      failedTasks: 1,
      counts: { tasks: count, passed: Math.round(count * 0.6) },
      rates: { passed: count ? Math.round(count * 0.6) / count : 0 },
      rules: rules.map((r) => syntheticRule(r, count)),
    },
    tasks: syntheticTasks(count, rules),
    notes: ['ran on the bundled tiny models: numbers are not meaningful'],
  };
}
