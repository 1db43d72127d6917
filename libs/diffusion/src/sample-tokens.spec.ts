import { Rng } from '@ensemble/inference';
import { sampleDenoiseToken } from './sample-tokens';

const row = (probabilities: number[]) => Float32Array.from(probabilities.map(Math.log));
const greedy = (topP: number, topK = 0) => ({ temperature: 0, topP, topK });

describe('sampleDenoiseToken (Open-dLLM sample_tokens at temperature 0)', () => {
  it('renormalises over the top-p set, so the confidence changes but not the token', () => {
    // p = .5, .3, .2; top_p .6 keeps {0, 1} (mass before token 2 is .8 > .6): confidence .5 / .8.
    const kept = sampleDenoiseToken(row([0.5, 0.3, 0.2]), greedy(0.6), 'probability', new Rng(0));
    expect(kept.id).toBe(0);
    expect(kept.confidence).toBeCloseTo(0.625, 6);
    expect(
      sampleDenoiseToken(row([0.5, 0.3, 0.2]), greedy(1), 'probability', new Rng(0)).confidence,
    ).toBeCloseTo(0.5, 6);
  });

  it('keeps the same set when the shortcut cannot apply (many small tokens needed to reach top_p)', () => {
    // 1000 tokens of equal mass: top_p .5005 keeps the first 501 (mass before the 501st is .5, before the 502nd
    // .501), so p[x0] = 1/501.
    const flat = sampleDenoiseToken(
      row(new Array(1000).fill(0.001)),
      greedy(0.5005),
      'probability',
      new Rng(0),
    );
    expect(flat.id).toBe(0);
    expect(flat.confidence).toBeCloseTo(1 / 501, 9);
  });

  it('computes the margin and negative-entropy confidences', () => {
    expect(sampleDenoiseToken(row([0.6, 0.3, 0.1]), greedy(1), 'margin', new Rng(0)).confidence).toBeCloseTo(
      0.3,
      6,
    );
    const entropy = 0.6 * Math.log(0.6) + 0.3 * Math.log(0.3) + 0.1 * Math.log(0.1);
    expect(
      sampleDenoiseToken(row([0.6, 0.3, 0.1]), greedy(1), 'negative_entropy', new Rng(0)).confidence,
    ).toBeCloseTo(entropy, 6);
  });

  it('applies top-k after top-p, keeping ties with the k-th value', () => {
    const result = sampleDenoiseToken(row([0.4, 0.3, 0.2, 0.1]), greedy(1, 2), 'probability', new Rng(0));
    expect(result.confidence).toBeCloseTo(0.4 / 0.7, 6);
  });
});
