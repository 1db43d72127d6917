import { applyStrategy } from './apply';
import { crossScores } from './cross';
import { ar, context, diffusion, nll, ppl, row } from './testing/fixtures';

describe('cross strategy (mean z-score of mean NLL over every complete scorer)', () => {
  it('z-scores each scorer across candidates and averages them (worked example)', () => {
    // ar fim:                meanNll 1, 2, 3 -> mean 2, population std sqrt(2/3) -> z -1.2247, 0, +1.2247
    // diffusion one-shot:    meanNll 3, 1, 2 -> z +1.2247, -1.2247, 0
    // average:               0, -0.6124, +0.6124 -> candidate 1 wins
    const candidates = [ar(), diffusion('a\n', 0), diffusion('b\n', 1)];
    const matrix = [
      row({ ar: { fim: nll(1) }, diffusion: { masked_one_shot: nll(3) } }),
      row({ ar: { fim: nll(2) }, diffusion: { masked_one_shot: nll(1) } }),
      row({ ar: { fim: nll(3) }, diffusion: { masked_one_shot: nll(2) } }),
    ];
    const z = Math.sqrt(3 / 2); // 1 / sqrt(2/3)
    const cross = crossScores(matrix, [0, 1, 2]);
    expect(cross?.used).toEqual([
      { scorer: 'ar', mode: 'fim' },
      { scorer: 'diffusion', mode: 'masked_one_shot' },
    ]);
    expect(cross?.z.get(0)).toBeCloseTo(0, 12);
    expect(cross?.z.get(1)).toBeCloseTo(-z / 2, 12);
    expect(cross?.z.get(2)).toBeCloseTo(z / 2, 12);

    const result = applyStrategy('cross', candidates, matrix, context);
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'lowest mean z-score of mean NLL over 2 scorers (ar fim, diffusion masked_one_shot): ' +
        '-0.612 (diffusion#0) vs 0 (ar), 0.612 (diffusion#1)',
    );
    expect(result.decidingValues.slice(0, 3).map((v) => v.name)).toEqual([
      'c0.cross_z',
      'c1.cross_z',
      'c2.cross_z',
    ]);
    expect(result.decidingValues).toContainEqual({ name: 'c2.diffusion.masked_one_shot.mean_nll', value: 2 });
  });

  it('lets no single scorer decide: the other model outvotes a scorer that prefers its own candidate', () => {
    // The AR model likes the AR candidate in both of its modes a little; the diffusion model dislikes it in both of its
    // modes: with two candidates every scorer is a +1 / -1 vote, so 2 vs 2 is a tie...
    const tie = applyStrategy(
      'cross',
      [ar(), diffusion()],
      [
        row({
          ar: { fim: nll(1), prefix_only: nll(1) },
          diffusion: { masked_one_shot: nll(5), masked_monte_carlo: nll(5) },
        }),
        row({
          ar: { fim: nll(1.1), prefix_only: nll(1.1) },
          diffusion: { masked_one_shot: nll(2), masked_monte_carlo: nll(2) },
        }),
      ],
      context,
    );
    expect(tie.index).toBe(0);
    expect(tie.reason).toMatch(
      /: 0 \(ar\) vs 0 \(diffusion\); tie between ar, diffusion → autoregressive candidate ar$/,
    );
    // ...and a third scorer that agrees with the diffusion model tips it.
    const tipped = applyStrategy(
      'cross',
      [ar(), diffusion()],
      [
        row({
          ar: { fim: nll(1), prefix_only: nll(1) },
          diffusion: { masked_one_shot: nll(5) },
          other: { fim: nll(3), prefix_only: nll(3) },
        }),
        row({
          ar: { fim: nll(1.1), prefix_only: nll(1.1) },
          diffusion: { masked_one_shot: nll(2) },
          other: { fim: nll(2), prefix_only: nll(2) },
        }),
      ],
      context,
    );
    expect(tipped.index).toBe(1);
    expect(tipped.reason).toBe(
      'lowest mean z-score of mean NLL over 5 scorers ' +
        '(ar fim, ar prefix_only, diffusion masked_one_shot, other fim, other prefix_only): -0.2 (diffusion) vs 0.2 (ar)',
    );
  });

  it('gives every candidate z = 0 for a scorer whose values are all equal', () => {
    const cross = crossScores(
      [
        row({ ar: { fim: nll(2) }, d: { masked_one_shot: nll(1) } }),
        row({ ar: { fim: nll(2) }, d: { masked_one_shot: nll(3) } }),
      ],
      [0, 1],
    );
    // ar fim contributes 0 to both; d contributes -1 / +1; averaged over 2 scorers.
    expect(cross?.z.get(0)).toBe(-0.5);
    expect(cross?.z.get(1)).toBe(0.5);
  });

  it('skips scorers missing for some candidate and names them', () => {
    const result = applyStrategy(
      'cross',
      [ar(), diffusion()],
      [
        row({ ar: { fim: nll(1), prefix_only: nll(0.5) }, diffusion: { masked_one_shot: nll(4) } }),
        row({ ar: { fim: nll(3) }, diffusion: { masked_one_shot: nll(2) } }),
      ],
      context,
    );
    expect(result.index).toBe(0);
    expect(result.reason).toBe(
      'lowest mean z-score of mean NLL over 2 scorers (ar fim, diffusion masked_one_shot): 0 (ar) vs 0 (diffusion); ' +
        'skipped ar prefix_only (missing for diffusion); tie between ar, diffusion → autoregressive candidate ar',
    );
  });

  it('uses mean NLL, not perplexity, so length-normalised likelihoods are compared', () => {
    const result = applyStrategy(
      'cross',
      [ar(), diffusion()],
      [row({ ar: { fim: ppl(3, 100) } }), row({ ar: { fim: ppl(2, 1) } })],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.decidingValues).toContainEqual({ name: 'c1.ar.fim.mean_nll', value: Math.log(2) });
  });

  it('falls back to the tie rule when no scorer is complete', () => {
    const result = applyStrategy(
      'cross',
      [diffusion(), ar()],
      [row({ diffusion: { masked_one_shot: nll(1) } }), row({ ar: { fim: nll(1) } })],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'no scorer has a score for every candidate; kept ar, the autoregressive candidate (tie rule)',
    );
  });
});
