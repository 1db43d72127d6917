import { applyStrategy } from './apply';
import { ar, context, diffusion, nll, ppl, row } from './testing/fixtures';
import { SelectionError } from './types';

describe('seed strategy (AR prefix_only perplexity)', () => {
  it('picks the lowest AR prefix_only perplexity and names the numbers', () => {
    const result = applyStrategy(
      'seed',
      [ar(), diffusion()],
      [
        row({ ar: { prefix_only: ppl(2.4), fim: ppl(1.1) }, diffusion: { masked_one_shot: ppl(1.5) } }),
        row({ ar: { prefix_only: ppl(1.83), fim: ppl(9) }, diffusion: { masked_one_shot: ppl(7) } }),
      ],
      context,
    );
    expect(result).toEqual({
      strategy: 'seed',
      index: 1,
      reason: 'lowest ar prefix_only perplexity: 1.83 (diffusion) vs 2.4 (ar)',
      decidingValues: [
        { name: 'c0.ar.prefix_only.perplexity', value: 2.4 },
        { name: 'c1.ar.prefix_only.perplexity', value: 1.83 },
      ],
    });
  });

  it('gives a tie to the autoregressive candidate even when it is listed second', () => {
    const result = applyStrategy(
      'seed',
      [diffusion(), ar()],
      [row({ ar: { prefix_only: ppl(2) } }), row({ ar: { prefix_only: ppl(2) } })],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'lowest ar prefix_only perplexity: 2 (ar) vs 2 (diffusion); tie between diffusion, ar → autoregressive candidate ar',
    );
  });

  it('breaks a tie between two AR samples by the lower index and labels samples by index', () => {
    const result = applyStrategy(
      'seed',
      [diffusion(), ar('a\n', 0), ar('b\n', 1)],
      [
        row({ ar: { prefix_only: ppl(3) } }),
        row({ ar: { prefix_only: ppl(1.5) } }),
        row({ ar: { prefix_only: ppl(1.5) } }),
      ],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'lowest ar prefix_only perplexity: 1.5 (ar#0) vs 3 (diffusion), 1.5 (ar#1); ' +
        'tie between ar#0, ar#1 → autoregressive candidate ar#0',
    );
  });

  it('gives a tie between diffusion candidates only to the lowest index', () => {
    const result = applyStrategy(
      'seed',
      [ar(), diffusion('a\n', 0), diffusion('b\n', 1)],
      [
        row({ ar: { prefix_only: ppl(5) } }),
        row({ ar: { prefix_only: ppl(1) } }),
        row({ ar: { prefix_only: ppl(1) } }),
      ],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toContain('→ lowest index (no AR candidate) diffusion#0');
  });

  it('falls back to the AR fim perplexity when prefix_only is missing for a candidate, and says so', () => {
    const result = applyStrategy(
      'seed',
      [ar(), diffusion()],
      [
        row({ ar: { prefix_only: ppl(1.2), fim: ppl(3) } }),
        row({ ar: { fim: ppl(2) }, diffusion: { masked_one_shot: ppl(1) } }),
      ],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'ar prefix_only score missing for diffusion; fell back to lowest ar fim perplexity: 2 (diffusion) vs 3 (ar)',
    );
  });

  it('treats a non-finite mean NLL or a NaN perplexity as missing', () => {
    const broken = { sumLogprob: NaN, tokenCount: 3, meanNll: NaN, perplexity: NaN };
    const result = applyStrategy(
      'seed',
      [ar(), diffusion()],
      [
        row({ ar: { prefix_only: ppl(1.2), fim: ppl(3) } }),
        row({ ar: { prefix_only: broken, fim: ppl(2) } }),
      ],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toMatch(/^ar prefix_only score missing for diffusion; fell back to lowest ar fim/);
  });

  it('compares an infinite perplexity (finite mean NLL) as the worst value', () => {
    const result = applyStrategy(
      'seed',
      [ar(), diffusion()],
      [row({ ar: { prefix_only: nll(800) } }), row({ ar: { prefix_only: ppl(50) } })],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe('lowest ar prefix_only perplexity: 50 (diffusion) vs inf (ar)');
  });

  it('falls back to cross when both AR modes are missing, then to the tie rule when nothing is complete', () => {
    const cross = applyStrategy(
      'seed',
      [ar(), diffusion()],
      [
        row({ ar: { prefix_only: ppl(1) }, diffusion: { masked_one_shot: nll(2) } }),
        row({ diffusion: { masked_one_shot: nll(1) } }),
      ],
      context,
    );
    expect(cross.index).toBe(1);
    expect(cross.reason).toBe(
      'ar prefix_only score missing for diffusion; ar fim score missing for ar, diffusion; fell back to cross: ' +
        'lowest mean z-score of mean NLL over 1 scorer (diffusion masked_one_shot): -1 (diffusion) vs 1 (ar); ' +
        'skipped ar prefix_only (missing for diffusion)',
    );

    const none = applyStrategy(
      'seed',
      [diffusion(), ar()],
      [row({}), row({ ar: { prefix_only: ppl(1) } })],
      context,
    );
    expect(none.index).toBe(1);
    expect(none.reason).toBe(
      'ar prefix_only score missing for diffusion; ar fim score missing for diffusion, ar; ' +
        'no scorer has a score for every candidate; kept ar, the autoregressive candidate (tie rule)',
    );
    expect(none.decidingValues).toEqual([]);
  });

  it('says when the matrix has no autoregressive scorer at all', () => {
    const result = applyStrategy('seed', [ar(), diffusion()], [row({}), row({})], context);
    expect(result.index).toBe(0);
    expect(result.reason).toBe(
      'no autoregressive (fim / prefix_only) scorer in the matrix; no scorer has a score for every candidate; ' +
        'kept ar, the autoregressive candidate (tie rule)',
    );
  });

  it('handles a single candidate', () => {
    const result = applyStrategy('seed', [diffusion()], [row({ ar: { prefix_only: ppl(4) } })], context);
    expect(result.index).toBe(0);
    expect(result.reason).toBe('lowest ar prefix_only perplexity: 4 (diffusion), the only candidate');
  });

  describe('which scorer is the AR model', () => {
    const candidates = [ar(), diffusion()];
    const matrix = [
      row({ ar: { prefix_only: ppl(3) }, big: { prefix_only: ppl(1) } }),
      row({ ar: { prefix_only: ppl(2) }, big: { prefix_only: ppl(5) } }),
    ];

    it('prefers the backend of the autoregressive candidate among several AR scorers', () => {
      expect(applyStrategy('seed', candidates, matrix, context).index).toBe(1);
    });

    it('uses options.arScorer when given', () => {
      const result = applyStrategy('seed', candidates, matrix, context, { arScorer: 'big' });
      expect(result.index).toBe(0);
      expect(result.reason).toBe('lowest big prefix_only perplexity: 1 (ar) vs 5 (diffusion)');
    });

    it('refuses to guess when nothing singles one out', () => {
      const twoArBackends = [ar(), { ...ar(), backend: 'big' }];
      expect(() => applyStrategy('seed', twoArBackends, matrix, context)).toThrow(SelectionError);
      expect(() => applyStrategy('seed', twoArBackends, matrix, context)).toThrow(
        'several scorers have autoregressive (fim / prefix_only) scores (ar, big): set options.arScorer',
      );
    });

    it('uses the only scorer with AR modes even when it generated nothing', () => {
      const result = applyStrategy(
        'seed',
        [diffusion('a\n', 0), diffusion('b\n', 1)],
        [row({ qwen: { prefix_only: ppl(3) } }), row({ qwen: { prefix_only: ppl(2) } })],
        context,
      );
      expect(result.index).toBe(1);
      expect(result.reason).toBe('lowest qwen prefix_only perplexity: 2 (diffusion#1) vs 3 (diffusion#0)');
    });
  });
});

describe('fim strategy (AR fim perplexity)', () => {
  it('reads the fim score, not prefix_only', () => {
    const result = applyStrategy(
      'fim',
      [ar(), diffusion()],
      [
        row({ ar: { prefix_only: ppl(1), fim: ppl(4) } }),
        row({ ar: { prefix_only: ppl(9), fim: ppl(3.5) } }),
      ],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe('lowest ar fim perplexity: 3.5 (diffusion) vs 4 (ar)');
    expect(result.decidingValues.map((v) => v.name)).toEqual([
      'c0.ar.fim.perplexity',
      'c1.ar.fim.perplexity',
    ]);
  });

  it('ties to the autoregressive candidate', () => {
    const result = applyStrategy(
      'fim',
      [diffusion(), ar()],
      [row({ ar: { fim: ppl(1.25) } }), row({ ar: { fim: ppl(1.25) } })],
      context,
    );
    expect(result.index).toBe(1);
  });

  it('falls back to prefix_only when fim is missing', () => {
    const result = applyStrategy(
      'fim',
      [ar(), diffusion()],
      [row({ ar: { prefix_only: ppl(2) } }), row({ ar: { fim: ppl(1), prefix_only: ppl(1.5) } })],
      context,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'ar fim score missing for ar; fell back to lowest ar prefix_only perplexity: 1.5 (diffusion) vs 2 (ar)',
    );
  });
});
