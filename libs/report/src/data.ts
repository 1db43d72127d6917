/** Views of a run's data shared by the charts and the tables. */
import type { CorrectnessRule, EvaluationMetrics, JudgedTask, RuleMetrics } from '@ensemble/evaluation';

/** Everything the report is made from. */
export interface ReportInput {
  title: string;
  runId: string;
  /** Shown as given (ISO 8601 recommended); the report never reads the clock. */
  createdAt: string;
  config: Record<string, unknown>;
  metrics: EvaluationMetrics;
  tasks: JudgedTask[];
  /** Shown prominently at the top, e.g. "ran on the bundled tiny models: numbers are not meaningful". */
  notes?: string[];
}

export interface RuleLabel {
  /** Headline title, e.g. "Exact match, first-line rule (Open-dLLM)". */
  title: string;
  /** Short label for chart subtitles and the task table. */
  short: string;
  description: string;
}

export const RULE_LABELS: Record<CorrectnessRule, RuleLabel> = {
  execution: {
    title: 'Execution: completed program passes its tests (HumanEval-Infilling, pass@k)',
    short: 'execution',
    description:
      'A candidate is correct when the program completed with it passes the task’s unit tests in the sandbox.',
  },
  em_first_line: {
    title: 'Exact match, first-line rule (Open-dLLM)',
    short: 'EM first line',
    description:
      'SantaCoder FIM: a candidate is correct when its first line matches the reference’s first line.',
  },
  em_whole: {
    title: 'Exact match, whole rule (bigcode harness)',
    short: 'EM whole',
    description: 'SantaCoder FIM: a candidate is correct when the whole completion matches the reference.',
  },
};

/** Label of a rule, including rules this version does not know. */
export function ruleLabel(rule: string): RuleLabel {
  return (
    (RULE_LABELS as Record<string, RuleLabel | undefined>)[rule] ?? {
      title: rule,
      short: rule,
      description: '',
    }
  );
}

/** Distinct values in order of first appearance. */
export function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** Code-unit order: independent of the locale of the machine that renders the report. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Backends that generated candidates, in order of first appearance. */
export function generatorsOf(tasks: readonly JudgedTask[]): string[] {
  return distinct(tasks.flatMap((t) => t.candidates.map((c) => c.backend)));
}

/** "scorer/mode" keys present in any candidate's perplexities, sorted. */
export function scorersOf(tasks: readonly JudgedTask[]): string[] {
  return distinct(tasks.flatMap((t) => t.candidates.flatMap((c) => Object.keys(c.perplexities ?? {})))).sort(
    byCodeUnits,
  );
}

/** Strategy names: ordered as the metrics list the "ensemble:<name>" systems, then any others from the tasks. */
export function strategiesOf(metrics: EvaluationMetrics, tasks: readonly JudgedTask[]): string[] {
  const fromMetrics = (metrics.rules ?? []).flatMap((r) =>
    r.systems.filter((s) => s.kind === 'strategy').map((s) => s.name.replace(/^ensemble:/, '')),
  );
  const fromTasks = tasks.flatMap((t) => Object.keys(t.selections ?? {})).sort(byCodeUnits);
  return distinct([...fromMetrics, ...fromTasks]);
}

export function rulesOf(metrics: EvaluationMetrics): RuleMetrics[] {
  return Array.isArray(metrics.rules) ? metrics.rules : [];
}

/** Classification of a perplexity for log-scale plots. */
export type LogPerplexity = { kind: 'finite'; log10: number } | { kind: 'infinite' } | { kind: 'invalid' };

/** log10 of a perplexity; +Infinity is a valid (very bad) score, NaN/negative/zero/non-numbers are invalid. */
export function logPerplexity(value: unknown): LogPerplexity {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) return { kind: 'invalid' };
  if (value === Infinity) return { kind: 'infinite' };
  return { kind: 'finite', log10: Math.log10(value) };
}

/** Quantile by linear interpolation between order statistics (R type 7) of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Whether a number is finite (type guard for unknown JSON data). */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** [min, max] without spreading (safe for hundreds of thousands of values); [NaN, NaN] when empty. */
export function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return values.length ? [lo, hi] : [NaN, NaN];
}
