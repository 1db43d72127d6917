import type { DatasetName } from '../dataset-names';
import { perplexityCalibration } from './calibration';
import { passAtKSummary } from './pass-at-k';
import { auroc, mean, median, pointBiserial } from './statistics';
import type {
  CalibrationCurve,
  CorrectnessRule,
  EvaluationMetrics,
  JudgedCandidate,
  JudgedTask,
  PerplexityStats,
  RuleMetrics,
  SystemResult,
} from './types';

/** The rules that judge a dataset: execution for HumanEval, both exact-match rules for SantaCoder. */
export function rulesFor(dataset: DatasetName): CorrectnessRule[] {
  return dataset === 'santacoder-fim-py' ? ['em_first_line', 'em_whole'] : ['execution'];
}

const isRight = (candidate: JudgedCandidate | undefined, rule: CorrectnessRule) =>
  candidate?.correct[rule] === true;

/**
 * Every number of a run from its judged tasks: each model alone (pass@k over its samples), the ensemble under each
 * strategy found in the tasks' selections, the oracle ceiling, selection efficiency and rates, and how well each
 * scorer's perplexity predicts correctness.
 */
export function summarize(
  dataset: DatasetName,
  tasks: readonly JudgedTask[],
  failedTasks = 0,
): EvaluationMetrics {
  const rules = rulesFor(dataset);
  const first = tasks.map((task) => task.candidates[0]);
  const countRight = (rule: CorrectnessRule) => first.filter((c) => isRight(c, rule)).length;
  const counted = {
    execution: 'passed',
    em_first_line: 'exactMatchFirstLine',
    em_whole: 'exactMatchWhole',
  } as const;
  const counts: EvaluationMetrics['counts'] = { tasks: tasks.length };
  const rates: EvaluationMetrics['rates'] = {};
  for (const rule of rules) {
    counts[counted[rule]] = countRight(rule);
    rates[counted[rule]] = tasks.length ? countRight(rule) / tasks.length : 0;
  }
  return {
    dataset,
    tasks: tasks.length,
    failedTasks,
    counts,
    rates,
    rules: rules.map((rule) => ruleMetrics(rule, tasks)),
  };
}

function ruleMetrics(rule: CorrectnessRule, tasks: readonly JudgedTask[]): RuleMetrics {
  const backends = uniqueInOrder(tasks.flatMap((task) => task.candidates.map((c) => c.backend)));
  const strategies = uniqueInOrder(tasks.flatMap((task) => Object.keys(task.selections)));

  const models = backends.map((backend) => modelResult(rule, backend, tasks));
  const oracleCorrect = tasks.filter((task) => task.candidates.some((c) => isRight(c, rule))).length;
  const oracle = system('oracle', 'oracle', tasks.length, oracleCorrect);
  const best = models.length ? models.reduce((a, b) => (b.rate > a.rate ? b : a)) : undefined;

  const strategyResults = strategies.map((strategy) => {
    const picked = tasks.filter((task) => strategy in task.selections);
    const correct = picked.filter((task) => isRight(task.candidates[task.selections[strategy]], rule)).length;
    const result = system(`ensemble:${strategy}`, 'strategy', picked.length, correct);
    const gap = best ? oracle.rate - best.rate : 0;
    result.efficiency = best && gap > 0 ? (result.rate - best.rate) / gap : null;
    const rate: Record<string, number> = {};
    for (const task of picked) {
      const backend = task.candidates[task.selections[strategy]]?.backend ?? 'none';
      rate[backend] = (rate[backend] ?? 0) + 1 / picked.length;
    }
    result.selectionRate = rate;
    return result;
  });

  const { perplexity, calibration } = perplexityMetrics(rule, tasks, backends);
  return {
    rule,
    systems: [...models, ...strategyResults, oracle],
    bestSingle: best?.name ?? null,
    perplexity,
    calibration,
  };
}

function modelResult(rule: CorrectnessRule, backend: string, tasks: readonly JudgedTask[]): SystemResult {
  const perTask = tasks
    .map((task) => task.candidates.filter((c) => c.backend === backend))
    .filter((samples) => samples.length > 0);
  const result = system(
    backend,
    'model',
    perTask.length,
    perTask.filter((samples) => isRight(samples[0], rule)).length,
  );
  result.passAtK = perTask.length
    ? passAtKSummary(perTask.map((s) => ({ n: s.length, c: s.filter((c) => isRight(c, rule)).length })))
    : {};
  return result;
}

function system(name: string, kind: SystemResult['kind'], tasks: number, correct: number): SystemResult {
  const rate = tasks ? correct / tasks : 0;
  return { name, kind, tasks, correct, rate, passAtK: tasks ? { 'pass@1': rate } : {} };
}

function perplexityMetrics(
  rule: CorrectnessRule,
  tasks: readonly JudgedTask[],
  backends: readonly string[],
): { perplexity: PerplexityStats[]; calibration: CalibrationCurve[] } {
  const candidates = tasks.flatMap((task) => task.candidates);
  const scorers = uniqueInOrder(candidates.flatMap((c) => Object.keys(c.perplexities))).sort();
  const finite = (c: JudgedCandidate, scorer: string) =>
    Number.isFinite(c.perplexities[scorer]) && c.perplexities[scorer] > 0;

  const perplexity: PerplexityStats[] = [];
  for (const generator of backends) {
    for (const scorer of scorers) {
      const scored = candidates.filter((c) => c.backend === generator && finite(c, scorer));
      if (!scored.length) continue;
      const values = scored.map((c) => c.perplexities[scorer]);
      const right = scored.map((c) => isRight(c, rule));
      const roc = auroc(
        values.map((v) => -v),
        right,
      );
      perplexity.push({
        generator,
        scorer,
        count: scored.length,
        mean: mean(values),
        median: median(values),
        auroc: roc,
        pointBiserial: pointBiserial(values.map(Math.log), right),
      });
    }
  }
  const calibration = scorers.flatMap((scorer) => {
    const scored = candidates.filter((c) => finite(c, scorer));
    const curve = perplexityCalibration(
      scorer,
      scored.map((c) => c.perplexities[scorer]),
      scored.map((c) => isRight(c, rule)),
    );
    return curve ? [curve] : [];
  });
  return { perplexity, calibration };
}

function uniqueInOrder(values: readonly string[]): string[] {
  return [...new Set(values)];
}
