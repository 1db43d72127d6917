import { Rng } from './rng';
import { argmax, sampleToken, sortByLogit } from './sample-token';

const logits = (values: number[]) => Float32Array.from(values);

function frequencies(
  values: number[],
  sampling: { temperature: number; topP: number; topK: number },
  draws = 20_000,
) {
  const rng = new Rng(11);
  const counts = new Array(values.length).fill(0);
  const row = logits(values);
  for (let i = 0; i < draws; i++) counts[sampleToken(row, sampling, rng)]++;
  return counts.map((count) => count / draws);
}

describe('sampleToken', () => {
  it('is argmax at temperature 0, ties to the lowest id', () => {
    expect(argmax(logits([1, 3, 3, 2]))).toBe(1);
    expect(sampleToken(logits([1, 3, 3, 2]), { temperature: 0, topP: 0.1, topK: 1 }, new Rng(1))).toBe(1);
  });

  it('follows softmax(logits / T) without filters', () => {
    // softmax([0, ln 3]) = [0.25, 0.75]; at T = 2 the logits halve: softmax([0, ln 3 / 2]) = [1/(1+√3), √3/(1+√3)].
    const plain = frequencies([0, Math.log(3)], { temperature: 1, topP: 1, topK: 0 });
    expect(plain[1]).toBeCloseTo(0.75, 1);
    const hot = frequencies([0, Math.log(3)], { temperature: 2, topP: 1, topK: 0 });
    expect(hot[1]).toBeCloseTo(Math.sqrt(3) / (1 + Math.sqrt(3)), 1);
  });

  it('keeps only the k most likely tokens with top-k', () => {
    const result = frequencies([3, 2, 1, 0], { temperature: 1, topP: 1, topK: 2 });
    expect(result[2] + result[3]).toBe(0);
    // Renormalised over the two kept: e^3 / (e^3 + e^2).
    expect(result[0]).toBeCloseTo(Math.E / (Math.E + 1), 1);
  });

  it('keeps the smallest most-likely set reaching top_p, and always the top token', () => {
    // probabilities 0.5, 0.3, 0.2: top_p 0.6 keeps {0, 1} (mass before token 1 is 0.5 < 0.6, before token 2 is 0.8).
    const p = [0.5, 0.3, 0.2].map(Math.log);
    const result = frequencies(p, { temperature: 1, topP: 0.6, topK: 0 });
    expect(result[2]).toBe(0);
    expect(result[0]).toBeCloseTo(0.5 / 0.8, 1);
    const tiny = frequencies(p, { temperature: 1, topP: 0.01, topK: 0 });
    expect(tiny[0]).toBe(1);
  });

  it('is reproducible for the same seed', () => {
    const row = logits(Array.from({ length: 1000 }, (_, i) => Math.sin(i)));
    const run = () => {
      const rng = new Rng(5);
      return Array.from({ length: 50 }, () =>
        sampleToken(row, { temperature: 0.7, topP: 0.95, topK: 50 }, rng),
      );
    };
    expect(run()).toEqual(run());
  });

  it('spreads over many tokens of a flat distribution when top_p needs them (the shortcut falls back to a full sort)', () => {
    // A wide, flat vocabulary where top_p needs many tokens: the shortcut must fall back to sorting everything.
    const row = logits(Array.from({ length: 5000 }, (_, i) => (i % 7) * 0.01));
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(sampleToken(row, { temperature: 1, topP: 0.99, topK: 0 }, rng));
    expect(seen.size).toBeGreaterThan(150);
  });
});

describe('sortByLogit', () => {
  const bySort = (logits: Float32Array, ids: number[]) =>
    [...ids].sort((a, b) => logits[b] - logits[a] || a - b);

  it('orders ids by descending logit, ties by ascending id, negatives, zeros and infinities included', () => {
    const rng = new Rng(11);
    // Few distinct values, so ties are common; both signs, both zeros, and the extremes.
    const pool = [-Infinity, -3.5, -1e-30, -0, 0, 1e-30, 0.25, 2, 1e30, Infinity];
    const logits = Float32Array.from({ length: 5000 }, () => pool[Math.floor(rng.nextFloat() * pool.length)]);
    const ids = Array.from({ length: logits.length }, (_, i) => i).filter((i) => i % 3 !== 1);
    expect([...sortByLogit(logits, ids)]).toEqual(bySort(logits, ids));
  });

  it('agrees with a comparator sort on a vocabulary-sized random row read through a subarray', () => {
    const rng = new Rng(3);
    const rows = Float32Array.from({ length: 2 * 151_936 }, () => (rng.nextFloat() - 0.5) * 20);
    const row = rows.subarray(151_936);
    const ids = Array.from({ length: row.length }, (_, i) => i);
    expect([...sortByLogit(row, ids)]).toEqual(bySort(row, ids));
  });
});
