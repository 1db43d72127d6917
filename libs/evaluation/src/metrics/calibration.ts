import { fitLogistic, predictProbability } from '@ensemble/selection';
import type { CalibrationCurve } from './types';

const BINS = 10;

/**
 * A reliability curve for perplexity as a predictor of correctness: a one-feature logistic model on log-perplexity,
 * fitted on these same candidates (in-sample: it shows how informative and how monotone perplexity is, not an
 * out-of-sample calibration), then candidates binned by predicted probability against the observed rate.
 * Null when there are fewer than two candidates of each class.
 */
export function perplexityCalibration(
  predictor: string,
  perplexities: readonly number[],
  correct: readonly boolean[],
): CalibrationCurve | null {
  const positives = correct.filter(Boolean).length;
  if (positives < 2 || correct.length - positives < 2) return null;
  const rows = perplexities.map((p) => [Math.log(p)]);
  const model = fitLogistic(rows, correct, { l2: 1e-3, iterations: 50 });
  return reliabilityCurve(
    predictor,
    rows.map((row) => predictProbability(model, row)),
    correct,
  );
}

/** Equal-width bins over [0, 1]; empty bins are left out. */
export function reliabilityCurve(
  predictor: string,
  predicted: readonly number[],
  correct: readonly boolean[],
): CalibrationCurve {
  const bins = Array.from({ length: BINS }, (_, b) => ({
    lower: b / BINS,
    upper: (b + 1) / BINS,
    count: 0,
    sumPredicted: 0,
    sumCorrect: 0,
  }));
  predicted.forEach((p, i) => {
    const bin = bins[Math.min(BINS - 1, Math.floor(p * BINS))];
    bin.count++;
    bin.sumPredicted += p;
    bin.sumCorrect += correct[i] ? 1 : 0;
  });
  return {
    predictor,
    bins: bins
      .filter((bin) => bin.count > 0)
      .map(({ lower, upper, count, sumPredicted, sumCorrect }) => ({
        lower,
        upper,
        count,
        meanPredicted: sumPredicted / count,
        observed: sumCorrect / count,
      })),
  };
}
