import { accuracy, crossValidate, fitLogistic, predictProbability, sigmoid } from './logistic';

/** Linearly separable in 2-D: label 1 exactly when x + 2y > 1 (no point on the line). */
function separable(): { rows: number[][]; labels: number[] } {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let x = -3; x <= 3; x++) {
    for (let y = -3; y <= 3; y++) {
      if (x + 2 * y === 1) continue;
      rows.push([x, y]);
      labels.push(x + 2 * y > 1 ? 1 : 0);
    }
  }
  return { rows, labels };
}

describe('fitLogistic', () => {
  it('fits a linearly separable toy set to 100% accuracy', () => {
    const { rows, labels } = separable();
    const fit = fitLogistic(rows, labels, { l2: 1e-4, iterations: 50 });
    expect(accuracy(fit, rows, labels)).toBe(1);
    // The boundary it learned is the true one's direction: w_y / w_x close to 2.
    expect(fit.weights[1] / fit.weights[0]).toBeCloseTo(2, 0);
  });

  it('is deterministic', () => {
    const { rows, labels } = separable();
    expect(fitLogistic(rows, labels, { l2: 1e-2, iterations: 30 })).toEqual(
      fitLogistic(rows, labels, { l2: 1e-2, iterations: 30 }),
    );
  });

  it('finds the closed-form maximum-likelihood solution without a penalty', () => {
    // x = 0: 1 positive of 4 -> p = 1/4, logit -ln 3; x = 1: 3 of 4 -> p = 3/4, logit +ln 3.
    const rows = [[0], [0], [0], [0], [1], [1], [1], [1]];
    const labels = [1, 0, 0, 0, 1, 1, 1, 0];
    const fit = fitLogistic(rows, labels, { l2: 0, iterations: 50 });
    expect(fit.converged).toBe(true);
    expect(fit.bias).toBeCloseTo(-Math.log(3), 8);
    expect(fit.weights[0]).toBeCloseTo(2 * Math.log(3), 8);
    expect(predictProbability(fit, [0])).toBeCloseTo(0.25, 8);
    expect(predictProbability(fit, [1])).toBeCloseTo(0.75, 8);
    // Mean log-loss at the optimum: -(1/4 ln 1/4 + 3/4 ln 3/4).
    expect(fit.loss).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 8);
  });

  it('accepts boolean labels', () => {
    const fit = fitLogistic([[0], [1]], [false, true], { l2: 0.1, iterations: 20 });
    expect(accuracy(fit, [[0], [1]], [false, true])).toBe(1);
  });

  it('shrinks the weights as l2 grows', () => {
    const { rows, labels } = separable();
    const norm = (l2: number): number =>
      Math.hypot(...fitLogistic(rows, labels, { l2, iterations: 50 }).weights);
    expect(norm(0.01)).toBeGreaterThan(norm(0.1));
    expect(norm(0.1)).toBeGreaterThan(norm(1));
  });

  it('returns weights on the raw feature scale (standardising is internal)', () => {
    const { rows, labels } = separable();
    const scaled = rows.map(([x, y]) => [x * 1000, y / 1000 + 5]);
    const a = fitLogistic(rows, labels, { l2: 0.05, iterations: 50 });
    const b = fitLogistic(scaled, labels, { l2: 0.05, iterations: 50 });
    rows.forEach((r, i) => expect(predictProbability(b, scaled[i])).toBeCloseTo(predictProbability(a, r), 8));
  });

  it('leaves a constant feature with weight 0', () => {
    const fit = fitLogistic(
      [
        [0, 7],
        [1, 7],
        [2, 7],
        [3, 7],
      ],
      [0, 0, 1, 1],
      { l2: 0.1, iterations: 50 },
    );
    expect(fit.weights[1]).toBe(0);
  });

  it('rejects malformed input', () => {
    expect(() => fitLogistic([], [], { l2: 0, iterations: 1 })).toThrow('no training rows');
    expect(() => fitLogistic([[1]], [1, 0], { l2: 0, iterations: 1 })).toThrow('1 rows but 2 labels');
    expect(() => fitLogistic([[1], [1, 2]], [1, 0], { l2: 0, iterations: 1 })).toThrow(
      'row 1 has 2 features',
    );
    expect(() => fitLogistic([[NaN]], [1], { l2: 0, iterations: 1 })).toThrow('not a finite number');
    expect(() => fitLogistic([[1]], [2], { l2: 0, iterations: 1 })).toThrow('labels must be 0 / 1');
    expect(() => fitLogistic([[1]], [1], { l2: -1, iterations: 1 })).toThrow('l2 must be');
    expect(() => fitLogistic([[1]], [1], { l2: 0, iterations: 1.5 })).toThrow('iterations must be');
  });

  it('has a stable sigmoid', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
  });
});

describe('crossValidate', () => {
  it('scores every fold of a separable set at 100%', () => {
    const { rows, labels } = separable();
    const cv = crossValidate(rows, labels, 5, 42, { l2: 1e-3 });
    expect(cv.accuracies).toHaveLength(5);
    expect(cv.accuracies.every((a) => a === 1)).toBe(true);
    expect(cv.meanAccuracy).toBe(1);
  });

  it('deals every row into exactly one fold, the same way for the same seed', () => {
    const { rows, labels } = separable();
    const a = crossValidate(rows, labels, 4, 7);
    expect(crossValidate(rows, labels, 4, 7)).toEqual(a);
    expect(
      a.folds
        .flat()
        .sort((x, y) => x - y)
        .join(','),
    ).toBe(rows.map((_, i) => i).join(','));
    expect(
      Math.max(...a.folds.map((f) => f.length)) - Math.min(...a.folds.map((f) => f.length)),
    ).toBeLessThanOrEqual(1);
    expect(crossValidate(rows, labels, 4, 8).folds).not.toEqual(a.folds);
  });

  it('keeps a group (a task) in one fold', () => {
    const rows = [[0], [1], [0], [1], [0], [1], [0], [1]];
    const labels = [0, 1, 0, 1, 0, 1, 0, 1];
    const groups = ['t1', 't1', 't2', 't2', 't3', 't3', 't4', 't4'];
    const cv = crossValidate(rows, labels, 2, 3, { groups });
    for (const fold of cv.folds) {
      const inFold = new Set(fold.map((i) => groups[i]));
      for (const [i, g] of groups.entries()) if (inFold.has(g)) expect(fold).toContain(i);
    }
    expect(cv.folds.map((f) => f.length)).toEqual([4, 4]);
  });

  it('measures real generalisation: a label unrelated to the feature gets about chance accuracy', () => {
    // Label = parity of the index, feature = index / 2 rounded down: nothing to learn.
    const rows = Array.from({ length: 40 }, (_, i) => [Math.floor(i / 2)]);
    const labels = rows.map((_, i) => i % 2);
    const cv = crossValidate(rows, labels, 4, 1);
    expect(cv.meanAccuracy).toBeLessThan(0.75);
  });

  it('checks k', () => {
    expect(() => crossValidate([[0], [1]], [0, 1], 3, 0)).toThrow('k must be an integer in [2, 2]');
    expect(() => crossValidate([[0], [1]], [0, 1], 1, 0)).toThrow('k must be');
    expect(() => crossValidate([[0], [1]], [0, 1], 2, 0, { groups: ['a'] })).toThrow('2 rows but 1 groups');
  });
});
