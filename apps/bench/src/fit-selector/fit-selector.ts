import { writeFileSync } from 'node:fs';
import { CorrectnessRule } from '@ensemble/evaluation';
import {
  LEARNED_MODEL_VERSION,
  LearnedModelFile,
  crossValidate,
  featureNames,
  featureVector,
  fitLogistic,
  loadPythonSyntax,
  predictProbability,
} from '@ensemble/selection';
import { RunFolder } from '../results/run-folder';
import { UsageError } from '../usage-error';
import { TrainingRow, trainingRows } from './training-rows';

export interface FitSelectorOptions {
  runs: string[];
  out: string;
  rule?: CorrectnessRule;
  folds: number;
  seed: number;
  l2: number;
  log: (line: string) => void;
}

export interface FitSummary {
  tasks: number;
  candidates: number;
  /** Held-out accuracy of "is this candidate right" per fold, and their mean. */
  classification: number;
  /** Held-out: share of tasks where the highest-probability candidate is right. */
  selection: number;
  /** The same share for "always the first candidate" and for "any candidate" (the oracle). */
  firstCandidate: number;
  oracle: number;
}

/**
 * `bench fit-selector`: fits the `learned` strategy (L2 logistic regression over the selection features) on judged
 * runs, reports k-fold cross-validated accuracy with a task's candidates kept in one fold, and writes the weights
 * file the orchestrator loads with SELECTOR_WEIGHTS.
 */
export async function fitSelector(options: FitSelectorOptions): Promise<FitSummary> {
  const syntax = await loadPythonSyntax();
  const rows: TrainingRow[] = [];
  const sources: string[] = [];
  let rule: CorrectnessRule | undefined = options.rule;
  for (const dir of options.runs) {
    const run = trainingRows(new RunFolder(dir), syntax, rule);
    rule = run.rule;
    rows.push(...run.rows);
    sources.push(`${dir} (${run.dataset}, ${run.rows.length} candidates)`);
  }
  const groups = rows.map((r) => r.group);
  const taskCount = new Set(groups).size;
  if (taskCount < options.folds) {
    throw new UsageError(
      `${taskCount} tasks cannot be split into ${options.folds} folds; give more runs or --folds`,
    );
  }
  if (rows.every((r) => r.correct) || rows.every((r) => !r.correct)) {
    throw new UsageError(
      `every candidate is ${rows[0]?.correct ? 'right' : 'wrong'}: nothing to learn from these runs`,
    );
  }
  const names = featureNames(rows.map((r) => r.features));
  const vectors = rows.map((r) => featureVector(r.features, names));
  const labels = rows.map((r) => r.correct);
  const cv = crossValidate(vectors, labels, options.folds, options.seed, { groups, l2: options.l2 });

  // Selection accuracy per held-out fold: the task's most probable candidate, judged.
  let picked = 0;
  for (const fold of cv.folds) {
    const held = new Set(fold);
    const train = rows.map((_, i) => i).filter((i) => !held.has(i));
    const model = fitLogistic(
      train.map((i) => vectors[i]),
      train.map((i) => labels[i]),
      { l2: options.l2, iterations: 50 },
    );
    const best = new Map<string, { p: number; correct: boolean }>();
    for (const i of fold) {
      const p = predictProbability(model, vectors[i]);
      const current = best.get(groups[i]);
      if (!current || p > current.p) best.set(groups[i], { p, correct: labels[i] });
    }
    picked += [...best.values()].filter((b) => b.correct).length;
  }
  const firstOf = new Map<string, boolean>();
  const anyOf = new Map<string, boolean>();
  rows.forEach((r) => {
    if (!firstOf.has(r.group)) firstOf.set(r.group, r.correct);
    anyOf.set(r.group, (anyOf.get(r.group) ?? false) || r.correct);
  });
  const share = (values: Iterable<boolean>) => [...values].filter(Boolean).length / taskCount;
  const summary: FitSummary = {
    tasks: taskCount,
    candidates: rows.length,
    classification: cv.meanAccuracy,
    selection: picked / taskCount,
    firstCandidate: share(firstOf.values()),
    oracle: share(anyOf.values()),
  };

  const final = fitLogistic(vectors, labels, { l2: options.l2, iterations: 50 });
  const file: LearnedModelFile = {
    version: LEARNED_MODEL_VERSION,
    features: names,
    weights: final.weights,
    bias: final.bias,
    trained_on: {
      runs: sources,
      rule,
      folds: options.folds,
      seed: options.seed,
      l2: options.l2,
      cross_validation: summary,
      converged: final.converged,
      date: new Date().toISOString(),
    },
  };
  writeFileSync(options.out, JSON.stringify(file, null, 2) + '\n');
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  options.log(
    `bench: fit-selector: ${taskCount} tasks, ${rows.length} candidates, ${names.length} features (rule ${rule}); ` +
      `${options.folds}-fold held-out: candidate accuracy ${pct(summary.classification)}, ` +
      `selection ${pct(summary.selection)} vs first candidate ${pct(summary.firstCandidate)}, oracle ${pct(summary.oracle)}`,
  );
  options.log(
    `bench: wrote ${options.out}; serve it with SELECTOR_WEIGHTS=${options.out} on the orchestrator`,
  );
  return summary;
}
