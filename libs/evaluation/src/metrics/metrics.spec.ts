import { exactMatchFirstLine, exactMatchWhole, firstLineOf, pyStrip } from './exact-match';
import { passAtK, passAtKSummary, reportableKs } from './pass-at-k';
import { auroc, median, pointBiserial, quantile } from './statistics';

/** C(n, k) exactly, as the estimator's definition states it (independent of the product form under test). */
function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let out = 1n;
  for (let i = 1; i <= k; i++) out = (out * BigInt(n - k + i)) / BigInt(i);
  return out;
}

describe('pass@k', () => {
  it('equals 1 - C(n-c, k) / C(n, k) for every small n, c, k', () => {
    for (let n = 1; n <= 12; n++)
      for (let c = 0; c <= n; c++)
        for (let k = 1; k <= n; k++) {
          const expected = 1 - Number(binomial(n - c, k)) / Number(binomial(n, k));
          expect(passAtK(n, c, k)).toBeCloseTo(expected, 12);
        }
  });

  it('is c / n for k = 1 and stays finite for n = 200', () => {
    expect(passAtK(200, 37, 1)).toBeCloseTo(37 / 200, 12);
    expect(passAtK(200, 37, 100)).toBeGreaterThan(0.999);
    expect(passAtK(200, 0, 100)).toBe(0);
  });

  it('rejects k above the sample count and impossible counts, naming them', () => {
    expect(() => passAtK(5, 2, 10)).toThrow('pass@10 needs at least 10 samples per task; got 5');
    expect(() => passAtK(5, 6, 1)).toThrow('0 <= c <= n');
  });

  it('reports the ks that every task allows and averages over tasks', () => {
    expect(reportableKs([1, 20])).toEqual([1]);
    expect(reportableKs([100, 120])).toEqual([1, 10, 100]);
    expect(
      passAtKSummary([
        { n: 1, c: 1 },
        { n: 1, c: 0 },
      ]),
    ).toEqual({ 'pass@1': 0.5 });
  });
});

describe('exact match (docs/REFERENCE.md §4)', () => {
  it('judges the second line when the completion starts with a line break', () => {
    expect(firstLineOf('\n    return x\n')).toBe('    return x');
    expect(firstLineOf(' \n    return x')).toBe('    return x');
    expect(firstLineOf('    return x\nfoo')).toBe('    return x');
    expect(firstLineOf('\n')).toBe('');
  });

  it('first-line rule ignores what follows the line; whole rule does not', () => {
    expect(exactMatchFirstLine('  return a + b\n  print(1)', 'return a + b')).toBe(true);
    expect(exactMatchWhole('  return a + b\n  print(1)', 'return a + b')).toBe(false);
    expect(exactMatchWhole('\n  return a + b \n', 'return a + b')).toBe(true);
    expect(exactMatchFirstLine('return a+b', 'return a + b')).toBe(false);
  });

  it("strips Python's whitespace set, not JavaScript's", () => {
    expect(pyStrip('\x1c x \x85')).toBe('x');
    expect(pyStrip('\ufeffx')).toBe('\ufeffx');
  });
});

describe('statistics', () => {
  it('AUROC equals the share of (positive, negative) pairs ranked right, ties one half', () => {
    const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9];
    const labels = [false, true, false, true, false, false, true];
    let wins = 0;
    let pairs = 0;
    scores.forEach((p, i) =>
      scores.forEach((q, j) => {
        if (!labels[i] || labels[j]) return;
        pairs++;
        wins += p > q ? 1 : p === q ? 0.5 : 0;
      }),
    );
    expect(auroc(scores, labels)).toBeCloseTo(wins / pairs, 12);
    expect(auroc([1, 2], [true, true])).toBeNull();
  });

  it('point-biserial equals (M1 - M0) / s * sqrt(p q) with the population s', () => {
    const x = [1, 2, 3, 4, 10, 12];
    const y = [false, false, true, false, true, true];
    const m1 = (3 + 10 + 12) / 3;
    const m0 = (1 + 2 + 4) / 3;
    const mu = x.reduce((a, b) => a + b) / x.length;
    const s = Math.sqrt(x.reduce((a, v) => a + (v - mu) ** 2, 0) / x.length);
    expect(pointBiserial(x, y)).toBeCloseTo(((m1 - m0) / s) * Math.sqrt(0.5 * 0.5), 12);
    expect(pointBiserial([1, 1, 1], [true, false, true])).toBeNull();
  });

  it('median and quantiles interpolate like numpy', () => {
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(Number.isNaN(median([]))).toBe(true);
  });
});
