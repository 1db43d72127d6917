/**
 * L2-regularised logistic regression, fitted by Newton's method with a backtracking line search: deterministic (no
 * randomness, fixed iteration order), exact enough for the few dozen features a selector has.
 *
 * Features are standardised internally (mean 0, population std 1; a constant column is only centred) so the L2
 * penalty treats them alike; the returned weights are mapped back to the raw feature scale, so
 * p = sigmoid(bias + weights · row) holds for raw rows.
 */

export interface LogisticOptions {
  /**
   * Strength of the L2 penalty on the standardised weights (not the bias): the objective is
   * mean log-loss + l2 / 2 · |w|². 0 is allowed (a separable set then drives the weights up until `iterations`).
   */
  l2: number;
  /** Upper bound on Newton steps; 25 is plenty for a well-posed problem. */
  iterations: number;
}

export interface LogisticFit {
  /** One per feature column, on the raw scale. */
  weights: number[];
  bias: number;
  /** Newton steps taken. */
  iterations: number;
  /** Final objective (mean log-loss + penalty) on the training rows. */
  loss: number;
  /** True when the gradient vanished (or the objective stopped improving) before the iteration limit. */
  converged: boolean;
}

export function sigmoid(s: number): number {
  if (s >= 0) return 1 / (1 + Math.exp(-s));
  const e = Math.exp(s);
  return e / (1 + e);
}

/** log(1 + e^s) without overflow. */
function softplus(s: number): number {
  return s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
}

export function predictProbability(
  model: { weights: readonly number[]; bias: number },
  row: readonly number[],
): number {
  let s = model.bias;
  for (let j = 0; j < model.weights.length; j++) s += model.weights[j] * row[j];
  return sigmoid(s);
}

function toLabel(value: number | boolean): 0 | 1 {
  if (value === true || value === 1) return 1;
  if (value === false || value === 0) return 0;
  throw new RangeError(`labels must be 0 / 1 or booleans, got ${String(value)}`);
}

function checkRows(rows: readonly (readonly number[])[], labels: readonly (number | boolean)[]): number {
  if (rows.length === 0) throw new RangeError('no training rows');
  if (labels.length !== rows.length) throw new RangeError(`${rows.length} rows but ${labels.length} labels`);
  const width = rows[0].length;
  rows.forEach((row, i) => {
    if (row.length !== width) throw new RangeError(`row ${i} has ${row.length} features, row 0 has ${width}`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new RangeError(`row ${i} feature ${j} is not a finite number: ${v}`);
    });
  });
  return width;
}

/** Solves A x = b in place by Gaussian elimination with partial pivoting (A is small and symmetric positive). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    const p = a[col][col] || 1e-300;
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / p;
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / (a[r][r] || 1e-300);
  }
  return x;
}

/**
 * Fits p(label = 1 | row) = sigmoid(bias + weights · row). rows: one feature vector per example (all the same
 * length, finite); labels: 0 / 1 or booleans.
 */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  labels: readonly (number | boolean)[],
  options: LogisticOptions,
): LogisticFit {
  const d = checkRows(rows, labels);
  const y = labels.map(toLabel);
  const n = rows.length;
  const { l2, iterations } = options;
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new RangeError(`l2 must be a finite number >= 0, got ${l2}`);
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new RangeError(`iterations must be an integer >= 0, got ${iterations}`);
  }

  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const row of rows) row.forEach((v, j) => (mean[j] += v / n));
  for (const row of rows) row.forEach((v, j) => (scale[j] += (v - mean[j]) ** 2 / n));
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]) > 1e-12 ? Math.sqrt(scale[j]) : 1;
  // z[i] = [1, standardised row]: column 0 is the bias.
  const z = rows.map((row) => [1, ...row.map((v, j) => (v - mean[j]) / scale[j])]);

  const m = d + 1;
  let theta = new Array<number>(m).fill(0);
  const margins = (t: readonly number[]): number[] => z.map((zi) => zi.reduce((s, v, j) => s + v * t[j], 0));
  const objective = (t: readonly number[]): number => {
    const s = margins(t);
    let loss = 0;
    for (let i = 0; i < n; i++) loss += softplus(s[i]) - y[i] * s[i];
    let penalty = 0;
    for (let j = 1; j < m; j++) penalty += t[j] * t[j];
    return loss / n + (l2 / 2) * penalty;
  };

  let loss = objective(theta);
  let converged = false;
  let step = 0;
  for (; step < iterations; step++) {
    const s = margins(theta);
    const gradient = new Array<number>(m).fill(0);
    const hessian = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let i = 0; i < n; i++) {
      const p = sigmoid(s[i]);
      const w = p * (1 - p);
      const zi = z[i];
      for (let a = 0; a < m; a++) {
        gradient[a] += ((p - y[i]) * zi[a]) / n;
        for (let b = a; b < m; b++) hessian[a][b] += (w * zi[a] * zi[b]) / n;
      }
    }
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < a; b++) hessian[a][b] = hessian[b][a];
      if (a > 0) {
        gradient[a] += l2 * theta[a];
        hessian[a][a] += l2;
      }
      hessian[a][a] += 1e-10;
    }
    if (Math.max(...gradient.map(Math.abs)) < 1e-10) {
      converged = true;
      break;
    }
    const direction = solve(hessian, [...gradient]);
    const slope = direction.reduce((acc, v, j) => acc + v * gradient[j], 0);
    let t = 1;
    let next = theta;
    let nextLoss = loss;
    for (let halvings = 0; halvings < 40; halvings++, t /= 2) {
      const candidate = theta.map((v, j) => v - t * direction[j]);
      const candidateLoss = objective(candidate);
      if (candidateLoss <= loss - 1e-4 * t * slope) {
        next = candidate;
        nextLoss = candidateLoss;
        break;
      }
    }
    if (next === theta || loss - nextLoss < 1e-15 * Math.max(1, loss)) {
      if (next !== theta) {
        theta = next;
        loss = nextLoss;
        step++;
      }
      converged = true;
      break;
    }
    theta = next;
    loss = nextLoss;
  }

  const weights = theta.slice(1).map((w, j) => w / scale[j]);
  const bias = theta[0] - weights.reduce((acc, w, j) => acc + w * mean[j], 0);
  return { weights, bias, iterations: step, loss, converged };
}

/** Share of rows whose predicted class (p >= 0.5) equals the label. */
export function accuracy(
  model: { weights: readonly number[]; bias: number },
  rows: readonly (readonly number[])[],
  labels: readonly (number | boolean)[],
): number {
  if (!rows.length) return Number.NaN;
  let right = 0;
  rows.forEach((row, i) => {
    if ((predictProbability(model, row) >= 0.5 ? 1 : 0) === toLabel(labels[i])) right++;
  });
  return right / rows.length;
}

/** mulberry32: a small seeded generator, enough for shuffling folds reproducibly. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CrossValidationOptions extends Partial<LogisticOptions> {
  /**
   * Keeps rows of one group in one fold, e.g. the task id, so that a task's candidates are never split between
   * training and test (they share texts and scores). Default: every row is its own group.
   */
  groups?: readonly (string | number)[];
}

export interface CrossValidation {
  /** Accuracy on each held-out fold, in fold order. */
  accuracies: number[];
  /** Mean of accuracies. */
  meanAccuracy: number;
  /** Row indices of each fold (ascending). */
  folds: number[][];
}

/**
 * k-fold cross-validation of fitLogistic: groups (rows, or options.groups) are shuffled with a seeded generator and
 * dealt round-robin into k folds; each fold is predicted by a model fitted on the others. Same seed, same folds.
 * Defaults: l2 = 1e-2, iterations = 50.
 */
export function crossValidate(
  rows: readonly (readonly number[])[],
  labels: readonly (number | boolean)[],
  k: number,
  seed: number,
  options: CrossValidationOptions = {},
): CrossValidation {
  checkRows(rows, labels);
  const groups = options.groups ?? rows.map((_, i) => i);
  if (groups.length !== rows.length) throw new RangeError(`${rows.length} rows but ${groups.length} groups`);
  const units = [...new Set(groups)];
  if (!Number.isInteger(k) || k < 2 || k > units.length) {
    throw new RangeError(`k must be an integer in [2, ${units.length}] (the number of groups), got ${k}`);
  }
  const random = generator(seed);
  for (let i = units.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [units[i], units[j]] = [units[j], units[i]];
  }
  const foldOf = new Map(units.map((unit, position) => [unit, position % k]));
  const folds = Array.from({ length: k }, (_, f) =>
    rows.map((_, i) => i).filter((i) => foldOf.get(groups[i]) === f),
  );
  const fitOptions = { l2: options.l2 ?? 1e-2, iterations: options.iterations ?? 50 };
  const accuracies = folds.map((test) => {
    const held = new Set(test);
    const train = rows.map((_, i) => i).filter((i) => !held.has(i));
    const model = fitLogistic(
      train.map((i) => rows[i]),
      train.map((i) => labels[i]),
      fitOptions,
    );
    return accuracy(
      model,
      test.map((i) => rows[i]),
      test.map((i) => labels[i]),
    );
  });
  return { accuracies, meanAccuracy: accuracies.reduce((a, b) => a + b, 0) / k, folds };
}
